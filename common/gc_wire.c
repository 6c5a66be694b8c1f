/* gc_wire: a second reading of protobuf wire bytes that protobuf-c 1.4.1 accepted. */
#include "gc_wire.h"

#include <stdint.h>
#include <string.h>

/* Reads the varint at p[*at]; false when it runs past n or past 10 bytes. */
static bool varint(const uint8_t *p, size_t n, size_t *at, uint64_t *value)
{
    *value = 0;
    for (unsigned shift = 0; shift < 64 && *at < n; shift += 7) {
        uint8_t b = p[(*at)++];
        *value |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

#define MAX_FIELD_NUMBER 536870911 /* 2^29 - 1, protobuf's largest */

/* A second reading of the wire bytes p[0..n) of a message of type d, and of its submessages,
 * once protobuf-c has accepted them, for two things protobuf-c 1.4.1 lets through:
 *  - field number 0 written in a tag of more than one byte, or a number past 2^29 - 1: kept as
 *    unknown fields, they are written back as bytes protobuf-c itself refuses. False then.
 *  - a NUL byte in a string: protobuf-c hands strings over as C strings, so the string is cut
 *    there and whatever follows (control characters included) escapes every check: a case_ref
 *    "GC-00000001\0junk" would act on GC-00000001, a note would be stored cut. Sets *nul. */
static bool check(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, bool *nul)
{
    size_t at = 0;
    while (at < n) {
        uint64_t key, len;
        if (!varint(p, n, &at, &key) || key >> 3 == 0 || key >> 3 > MAX_FIELD_NUMBER)
            return false;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
        switch (key & 7) {
        case 0: /* varint */
            if (!varint(p, n, &at, &len))
                return false;
            break;
        case 1: /* 64-bit */
        case 5: /* 32-bit */
            len = (key & 7) == 1 ? 8 : 4;
            if (len > n - at)
                return false;
            at += len;
            break;
        case 2: /* length-delimited: a string, a submessage, bytes or packed numbers */
            if (!varint(p, n, &at, &len) || len > n - at)
                return false;
            if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p + at, 0, len))
                *nul = true;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE
                && !check(f->descriptor, p + at, len, nul))
                return false;
            at += len;
            break;
        default: /* groups: protobuf-c refuses them anyway */
            return false;
        }
    }
    return true;
}

bool gc_wire_check(const ProtobufCMessageDescriptor *d, const void *data, size_t size,
                   bool *nul)
{
    *nul = false;
    return check(d, data, size, nul);
}
