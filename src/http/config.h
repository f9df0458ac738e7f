/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - the JSON configuration of `vigie serve` (config.c,
 * docs/server.md).
 */
#ifndef VG_HTTP_CONFIG_H
#define VG_HTTP_CONFIG_H

#include <stddef.h>

#include "common/error.h"
#include "server.h"

#define VG_SERVER_CONFIG_MAX (1 << 20) /* bytes of a configuration file */

struct vg_server_config {
    struct vg_server_opts so;
    char addr[64];
    char *cert, *key;          /* PEM texts, owned */
    char *country_db, *asn_db; /* "geo": the MMDB databases (docs/geo.md), owned */
    long geo_refresh_s;        /* geo.refresh_s: 0 never; -1 unset (the default) */
    char *webhook_ca;          /* path, owned */
};

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" into o (the address kept in buf);
 * 0, or -1 when it is none of those. */
int vg_server_parse_listen(const char *s, char *buf, size_t cap, struct vg_server_opts *o);

/* Apply the configuration text[0..len) (path names it in errors) over s;
 * the PEM files "tls" names are read only with read_files.  0, or -1 with
 * err saying which setting is wrong and why.  s is left to
 * vg_server_config_cleanup either way. */
int vg_server_config_parse(const char *text, size_t len, const char *path, int read_files,
                           struct vg_server_config *s, struct vg_error *err);

/* The same, from the file at path. */
int vg_server_config_load(const char *path, struct vg_server_config *s, struct vg_error *err);

void vg_server_config_cleanup(struct vg_server_config *s);

#endif
