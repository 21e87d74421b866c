/* Errors as a contract for programs: every failure's code (sd_err.code)
 * falls in one class, with a documented exit status and a JSON error code
 * (docs/stardm.8, EXIT STATUS).  The plugin decides on these, never on the
 * message text, so a class never changes its number or name. */
#include <errno.h>
#include <stdio.h>

#include "cli.h"

static const struct cli_error_class classes[] = {
	{ EXIT_FAIL, "failed" },          /* anything not below */
	{ EXIT_USAGE, "usage" },
	{ EXIT_NOT_FOUND, "not-found" },
	{ EXIT_EXISTS, "exists" },
	{ EXIT_OWNED, "owned-elsewhere" },
	{ EXIT_BUSY, "busy" },
	{ EXIT_NO_SPACE, "no-space" },
	{ EXIT_CONFLICT, "conflict" },
	{ EXIT_CORRUPT, "corrupt" },
	{ EXIT_IO, "io" },
	{ EXIT_INVALID, "invalid" },
	{ EXIT_TIMEOUT, "timeout" },
};

static int exit_of(int code)
{
	switch (code) {
	case SD_E_NOTFOUND: case ENOENT: case ENODEV: case ENXIO:
		return EXIT_NOT_FOUND;
	case SD_E_EXISTS: case EEXIST:
		return EXIT_EXISTS;
	case SD_E_OWNED:
		return EXIT_OWNED;
	case EBUSY:
		return EXIT_BUSY;
	case SD_E_NOSPACE: case ENOSPC:
		return EXIT_NO_SPACE;
	case SD_E_CONFLICT: case EAGAIN:
		return EXIT_CONFLICT;
	case SD_E_CORRUPT:
		return EXIT_CORRUPT;
	case EIO: case EROFS: case SD_E_DEVSIZE:
		return EXIT_IO;
	case SD_E_INVAL: case EINVAL: case ENOTBLK: case E2BIG: case ENAMETOOLONG:
		return EXIT_INVALID;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	default:
		return EXIT_FAIL;
	}
}

const struct cli_error_class *cli_error_class(int code)
{
	int e = code == -EXIT_USAGE ? EXIT_USAGE : exit_of(code);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].exit == e)
			return &classes[i];
	return &classes[0];
}

static bool json_errors;
static json_object *error_doc;

void cli_json_errors(bool on)
{
	json_errors = on;
}

void cli_json_error_into(json_object *doc)
{
	if (error_doc)
		json_object_put(error_doc);
	error_doc = doc;
}

/* With --json, programs read the error from stdout as one JSON document. */
static void print_json_error(const struct cli_error_class *c, const struct sd_err *err)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(c->name));
	json_object_object_add(e, "exit", json_object_new_int(c->exit));
	json_object_object_add(e, "message", json_object_new_string(err->msg));
	if (err->node[0])
		json_object_object_add(e, "node", json_object_new_string(err->node));
	json_object *j = error_doc ? error_doc : json_object_new_object();
	error_doc = NULL;
	json_object_object_add(j, "error", e);
	cli_print_json(j);
}

int cli_error(const struct sd_err *err)
{
	const struct cli_error_class *c = cli_error_class(err->code);
	fprintf(stderr, "stardm: %s\n", err->msg[0] ? err->msg : "failed");
	if (json_errors)
		print_json_error(c, err);
	return c->exit;
}

int cli_usage_error(const char *msg)
{
	if (json_errors) {
		struct sd_err err = { .code = 0 };
		snprintf(err.msg, sizeof(err.msg), "%s", msg);
		print_json_error(cli_error_class(-EXIT_USAGE), &err);
	}
	return EXIT_USAGE;
}
