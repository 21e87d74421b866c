/* The handover state machine as the metadata records it: a pool's owner
 * and the node it is being handed to, seen from one node. */
#include <stdio.h>

#include "core/handover.h"
#include "helpers.h"

static void test_handover_states(void)
{
	enum { ME = 3, SRC = 1, OTHER = 2 };
	static const struct {
		uint32_t owner, handover_to, me;
		enum sdg_handover want;
		const char *what;
	} t[] = {
		{ ME, 0, ME, SDG_HANDOVER_OURS, "owned here, nothing pending" },
		{ ME, OTHER, ME, SDG_HANDOVER_OURS, "owned here, being handed on (the source's view)" },
		{ SRC, ME, ME, SDG_HANDOVER_PENDING, "handed to us, the source still holds it" },
		{ 0, ME, ME, SDG_HANDOVER_OURS, "released to us by a source that deactivated" },
		{ SRC, 0, ME, SDG_HANDOVER_NONE, "withdrawn, or never ours" },
		{ 0, 0, ME, SDG_HANDOVER_NONE, "released, handed to nobody" },
		{ 0, OTHER, ME, SDG_HANDOVER_NONE, "released to another node" },
		{ SRC, OTHER, ME, SDG_HANDOVER_NONE, "handed to another node" },
		{ SRC, ME, 0, SDG_HANDOVER_NONE, "this node has no host id yet" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sd_pool p = { .id = 1, .vmid = 100, .owner_host = t[i].owner,
				     .handover_to = t[i].handover_to };
		enum sdg_handover got = sdg_handover_state(&p, t[i].me);
		if (got != t[i].want)
			fprintf(stderr, "\n    %s: got %d, want %d\n", t[i].what, got, t[i].want);
		CU_ASSERT_EQUAL(got, t[i].want);
	}
	CU_ASSERT_EQUAL(sdg_handover_state(NULL, ME), SDG_HANDOVER_NONE);
}

void add_handover_tests(void)
{
	CU_pSuite s = CU_add_suite("handover", NULL, NULL);
	CU_add_test(s, "states of a handover, from one node", test_handover_states);
}
