/* open311_write: GeoReport v2 documents as JSON or XML. A document is built once as a jansson
 * value (an array of objects, or one object) and written in the format asked for; the XML is
 * the spec's shape: <root><item><field>text</field>...</item></root>, an array field as
 * <name><singular>...</singular></name> (endpoints/endpoint, formats/format), null as an empty
 * element, true/false as words. Text is escaped (& < > " ') and characters XML 1.0 cannot hold
 * (controls other than tab and newline) are dropped, so no stored text can break the document.
 * Keys must be XML names: they are ours, never a client's. */
#ifndef OPEN311_WRITE_H
#define OPEN311_WRITE_H

#include "open311_parse.h"

#include <jansson.h>

/* doc written in format; root and item name the XML elements (item: of each array element;
 * for an object doc, root holds its fields). malloc'd text (*len its length), NULL when out of
 * memory. */
char *open311_render(const json_t *doc, open311_format_t format, const char *root,
                     const char *item, size_t *len);

/* The spec's error document: [{"code": code, "description": text}] or
 * <errors><error><code>..</code><description>..</description></error></errors>. */
char *open311_render_error(open311_format_t format, int code, const char *description,
                           size_t *len);

/* The Content-Type of a format. */
const char *open311_content_type(open311_format_t format);

#endif
