/* fuzz_journal.c — the relay box's persisted switch journal
 * (firmware/journal).  What decodes encodes back to what decodes the same. */
#include "fuzz.h"

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_journal j, k;
	char err[512] = "";
	if (fw_journal_init(&j, 64) < 0 || fw_journal_init(&k, 64) < 0)
		abort();
	int rc = fw_journal_decode(&j, (const char *)data, size, err, sizeof err);
	FUZZ_ERR_SET(rc, err);
	if (rc == 0) {
		char *s = fw_journal_encode(&j, "box1", j.n);
		FUZZ_ASSERT(s);
		rc = fw_journal_decode(&k, s, strlen(s), err, sizeof err);
		if (rc < 0)
			fprintf(stderr, "re-decoding %s: %s\n", s, err);
		FUZZ_ASSERT(rc == 0 && k.n == j.n && k.next_seq == j.next_seq);
		for (size_t i = 0; i < j.n; i++)
			FUZZ_ASSERT(memcmp(fw_journal_at(&j, i), fw_journal_at(&k, i),
					   sizeof *fw_journal_at(&j, i)) == 0);
		free(s);
		/* An ack past everything empties it. */
		fw_journal_ack(&j, UINT64_MAX);
		FUZZ_ASSERT(j.n == 0);
	}
	fw_journal_free(&j);
	fw_journal_free(&k);
	return 0;
}
