/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The command table's entries, one per file in this directory. */
#ifndef XDPSEC_LOADER_COMMANDS_H
#define XDPSEC_LOADER_COMMANDS_H

#include "loader/xdpsec.h"

extern const struct xs_cmd xs_cmd_help;
extern const struct xs_cmd xs_cmd_daemon;
extern const struct xs_cmd xs_cmd_stop;
extern const struct xs_cmd xs_cmd_attach;
extern const struct xs_cmd xs_cmd_detach;
extern const struct xs_cmd xs_cmd_state;
extern const struct xs_cmd xs_cmd_policy;
extern const struct xs_cmd xs_cmd_status;
extern const struct xs_cmd xs_cmd_stats;
extern const struct xs_cmd xs_cmd_load_conf;
extern const struct xs_cmd xs_cmd_list_conns;
extern const struct xs_cmd xs_cmd_list_sas;
extern const struct xs_cmd xs_cmd_up;
extern const struct xs_cmd xs_cmd_down;

#endif
