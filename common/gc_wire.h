/* gc_wire: what protobuf-c 1.4.1 lets through and every socket decoder must refuse. Run after
 * a successful unpack, on the same bytes:
 *  - a field number 0 written in a tag of more than one byte, or one past 2^29 - 1: protobuf-c
 *    keeps it as an unknown field and writes it back as bytes it refuses itself (false);
 *  - a NUL byte inside a string: protobuf-c hands strings over as C strings, cut at the NUL, so
 *    whatever follows escapes every check ("GC-00000001\0junk" would act on GC-00000001; a
 *    note would be stored cut). *nul is set; the caller refuses the request. */
#ifndef GC_WIRE_H
#define GC_WIRE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

/* False when the bytes hold an invalid field number or a malformed length; *nul when a string
 * field (at any depth) holds a NUL byte. */
bool gc_wire_check(const ProtobufCMessageDescriptor *d, const void *data, size_t size,
                   bool *nul);

#endif
