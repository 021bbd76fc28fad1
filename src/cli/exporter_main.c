/*
 * xmppcv-exporter: what 'xmppcv exporter' runs. The options are those of
 * the exporter command, parsed the same way.
 */
#include "exporter.h"

int
main(int argc, char **argv)
{
	struct opts o;
	int status;

	/* Before anything allocates through OpenSSL (see xmppcv.h). */
	(void)xcv_allocators();
	status = cli_parse(&o, &cmd_exporter, &argc, &argv);
	if (status < 0)
		status = exporter_run(&o, argc, argv);
	cli_opts_clear(&o);
	return status;
}
