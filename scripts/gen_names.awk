# Turn "NAME = N, /* printable */" lines of an enum into a C name table:
#   awk -v table=xs_drop_names -f scripts/gen_names.awk maps/drop_reasons.h
/^[ \t]*[A-Z0-9_]+[ \t]*=[ \t]*[0-9]+,[ \t]*\/\*[ \t]*[a-z0-9-]+[ \t]*\*\// {
	num = $3; sub(",", "", num)
	name = $0; sub(/.*\/\*[ \t]*/, "", name); sub(/[ \t]*\*\/.*/, "", name)
	rows[num] = name
	if (num + 0 > max) max = num + 0
}
END {
	printf "/* Generated from the enum's comments by scripts/gen_names.awk. */\n"
	printf "static const char *const %s[] = {\n", table
	for (i = 0; i <= max; i++)
		if (i in rows) printf "\t[%d] = \"%s\",\n", i, rows[i]
	printf "};\n"
}
