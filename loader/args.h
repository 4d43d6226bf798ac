/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Word-by-word parsing of `ip xfrm`-style arguments, shared by the CLI, the
 * daemon and the configuration file. Every parser returns 0, or -1 with a
 * one-line error in why (XS_WHY_MAX bytes) that names the offending word.
 */
#ifndef XDPSEC_LOADER_ARGS_H
#define XDPSEC_LOADER_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_args {
	int argc;
	char **argv;
	int i;				/* next word */
	char *why;
};

/* The value after keyword argv[i-1]; NULL (why set) if there is none. */
const char *xs_arg_value(struct xs_args *a);
bool xs_arg_more(const struct xs_args *a);
const char *xs_arg_word(struct xs_args *a);

int xs_parse_u32(const char *s, const char *what, uint32_t *v, char *why);
/* A hand-keyed reqid: a u32 outside IKE's range (ike/ike.h). */
int xs_parse_reqid(const char *s, uint32_t *v, char *why);
int xs_parse_u64(const char *s, const char *what, uint64_t *v, char *why);
int xs_parse_addr(const char *s, const char *what, uint8_t *family,
		  uint8_t addr[16], char *why);
int xs_parse_prefix(const char *s, const char *what, uint8_t *family,
		    uint8_t addr[16], uint8_t *len, char *why);
int xs_parse_ports(const char *s, const char *what, uint16_t *lo,
		   uint16_t *hi, char *why);
/* "0x..." hex or "" (empty key); *len bytes into out (at most max). */
int xs_parse_hex(const char *s, const char *what, uint8_t *out, size_t max,
		 uint8_t *len, char *why);
/* Keys given as a quoted string in ip xfrm are refused: hex only. */

void xs_addr_str(uint8_t family, const uint8_t addr[16], char *buf,
		 size_t len);
bool xs_addr_zero(const uint8_t addr[16]);

#endif
