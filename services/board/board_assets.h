/* board_assets: the page's files (services/board/www/), compiled into gc-board by
 * services/board/embed.sh, so the board needs nothing on disk and works offline. */
#ifndef BOARD_ASSETS_H
#define BOARD_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *name; /* the file's name in www/ */
    const unsigned char *data;
    size_t size;
} board_asset_t;

extern const board_asset_t board_assets[];
extern const size_t board_assets_count;

#endif
