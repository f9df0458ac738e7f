/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.h - indicator files for sensors that already exist: Zeek's Intel
 * framework, DNS Response Policy Zones, Suricata datasets and rules.
 *
 *   zeek-intel  one tab-separated file with the header
 *               "#fields indicator indicator_type meta.source meta.desc":
 *               Intel::ADDR, Intel::SUBNET, Intel::DOMAIN, Intel::URL (the
 *               URL without its scheme, as Zeek writes the URLs it sees),
 *               Intel::EMAIL, Intel::FILE_HASH; meta.desc is the label.
 *   rpz         a zone file (BIND syntax, relative owner names): for each
 *               domain "NAME CNAME ." and "*.NAME CNAME ." (NXDOMAIN for the
 *               name and everything under it); for each address or range a
 *               response-IP trigger "PREFIX.REVERSED.rpz-ip CNAME ." (IPv6
 *               words reversed, "zz" for the run of zeros "::" stands for).
 *               URLs, e-mail addresses and hashes have no RPZ form.
 *   suricata    a directory: vigie-domains.lst (base64, dataset type string),
 *               vigie-ip.lst (addresses as text, dataset type ip),
 *               vigie-md5.lst, vigie-sha1.lst, vigie-sha256.lst (hex, for
 *               filemd5/filesha1/filesha256) and vigie.rules using them on
 *               dns.query, http.host, tls.sni, ip.src, ip.dst and file
 *               hashes.  Datasets match exactly: ranges, URLs, SHA-512 and
 *               e-mail addresses are left out (and counted as skipped).
 *
 * Values must be canonical (vg_obs_parse output).  Not thread-safe.
 */
#ifndef VG_CODEC_SENSOR_H
#define VG_CODEC_SENSOR_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "model/obs.h"

enum vg_sensor_format { VG_SENSOR_ZEEK_INTEL = 1, VG_SENSOR_RPZ, VG_SENSOR_SURICATA };

struct vg_sensor;

/* "zeek-intel", "rpz", "suricata" -> format; 0 if none. */
enum vg_sensor_format vg_sensor_format_from_name(const char *name);

/*
 * Start writing.  zeek-intel and rpz write to out (the caller's stream);
 * suricata writes its files into dir, created if missing.  source names the
 * origin in zeek-intel's meta.source and in the RPZ zone's comment.
 */
enum vg_rc vg_sensor_begin(enum vg_sensor_format fmt, FILE *out, const char *dir,
                           const char *source, struct vg_sensor **s, struct vg_error *err);

/* One indicator; a kind the format cannot express is counted as skipped. */
enum vg_rc vg_sensor_add(struct vg_sensor *s, enum vg_obs_kind kind, const char *value, size_t len,
                         const char *label, struct vg_error *err);

/* Finish (rules, flushes, closes what begin opened) and free; counts out. */
enum vg_rc vg_sensor_end(struct vg_sensor *s, size_t *written, size_t *skipped,
                         struct vg_error *err);

/* Free without finishing (after an error). */
void vg_sensor_free(struct vg_sensor *s);

#endif
