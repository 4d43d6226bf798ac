// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec help: the command list. */
#include "loader/commands/commands.h"

static int do_help(int argc, char **argv)
{
	xs_cmd_list();
	return XS_EXIT_OK;
}

const struct xs_cmd xs_cmd_help = {
	.name = "help",
	.help = "list the commands",
	.run = do_help,
};
