/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text hygiene for output that crosses a trust boundary: interface names,
 * aliases and engine reasons may hold arbitrary bytes (ifalias does), but
 * JSON, Prometheus labels and terminals need valid UTF-8 without control
 * characters.  Pure functions, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Is s[0..len) well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
bool text_utf8_valid(const char *s, size_t len);

/*
 * Copy src into dst (size dstlen, always terminated), replacing each byte
 * of an invalid UTF-8 sequence and each C0/DEL control character by '?'.
 * Truncates on a character boundary.  Returns dst.
 */
char *text_sanitize(const char *src, char *dst, size_t dstlen);
