/* fuzz_relay_proto.c — what a relay box reads over MQTT besides its
 * fallback schedule (firmware/proto: commands, the gateway's status, journal
 * acknowledgements, topics).  The first byte picks the message. */
#include "fuzz.h"

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	int rc = 0;
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	switch (data[0] % 4) {
	case 0: {
		struct fw_command c;
		rc = fw_parse_command(p, n, &c, err, sizeof err);
		if (rc == 0)
			FUZZ_ASSERT(c.id[0] && strlen(c.id) < FW_CMDID_MAX);
		break;
	}
	case 1: {
		bool online;
		rc = fw_parse_gateway_status(p, n, &online, err, sizeof err);
		break;
	}
	case 2: {
		uint64_t upto;
		rc = fw_parse_journal_ack(p, n, &upto, err, sizeof err);
		break;
	}
	default: {
		char *t = fuzz_text((const uint8_t *)p, n);
		const char *rest = fw_topic_rest(t, "box1");
		if (rest && strncmp(rest, "cmd/", 4) == 0) {
			int ch = fw_parse_channel(rest + 4);
			FUZZ_ASSERT(ch == -1 || (ch >= 1 && ch <= 16));
		}
		free(t);
	}
	}
	FUZZ_ERR_SET(rc, err);
	return 0;
}
