/* Unit tests for lib/webhook.c: the signature and the body of a batch. */
#include <stdlib.h>
#include <string.h>

#include "webhook.h"
#include "unit.h"

/* RFC 4231's test cases 1, 2 and 6 (a key longer than the block). */
static void
hmac(void)
{
	char out[65], key[131];

	memset(key, 0x0b, 20);
	oms_hmac_sha256_hex(key, 20, "Hi There", 8, out);
	STR_EQ(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "RFC 4231 case 1");
	oms_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	STR_EQ(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "RFC 4231 case 2");
	memset(key, 0xaa, 131);
	oms_hmac_sha256_hex(key, 131, "Test Using Larger Than Block-Size Key - "
	    "Hash Key First", 54, out);
	STR_EQ(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "RFC 4231 case 6");
}

static void
body(void)
{
	static const char lines[] = "{\"seq\":1,\"type\":\"a\"}\n\n"
	    "  {\"seq\": 2}\r\n";
	struct oms_buf b = { 0 };

	OK(oms_webhook_body(lines, sizeof lines - 1, "erp", "1", "2", &b) == 2,
	    "a batch of two");
	STR_EQ(b.s, "{\"consumer\":\"erp\",\"first\":1,\"last\":2,\"events\":"
	    "[{\"seq\":1,\"type\":\"a\"},{\"seq\": 2}]}", "its body, each "
	    "event as it came");
	oms_buf_reset(&b);
	OK(oms_webhook_body("", 0, NULL, NULL, NULL, &b) == 0, "none");
	STR_EQ(b.s, "{\"events\":[]}", "an empty batch");
	oms_buf_reset(&b);
	OK(oms_webhook_body("", 0, "x", "1; DROP", "2\",\"x", &b) == 0,
	    "a range that is not numbers");
	STR_EQ(b.s, "{\"consumer\":\"x\",\"events\":[]}", "is left out");
	oms_buf_reset(&b);
	OK(oms_webhook_body("{}\n[1]\n", 7, NULL, NULL, NULL, &b) == OMS_ERR,
	    "a line that is not an object");
	STR_EQ(oms_error(), "<stdin>:2: not a JSON object", "is named");
	oms_buf_reset(&b);
	OK(oms_webhook_body("{\"a\":1} {\"b\":2}\n", 16, NULL, NULL, NULL,
	    &b) == OMS_ERR, "two objects on a line");
	STR_EQ(oms_error(), "<stdin>:1: not a JSON object", "are not one");
	oms_buf_reset(&b);
	OK(oms_webhook_body("{\"a\":\"\xff\"}", 9, NULL, NULL, NULL, &b) ==
	    OMS_ERR, "bytes that are not UTF-8");
	STR_EQ(oms_error(), "<stdin>:1: not UTF-8 text", "are refused");
	oms_buf_reset(&b);
	OK(oms_webhook_body("{\"n\":12345678901234567890}", 26, "c", "007",
	    "9", &b) == 1, "a big number, and a seq with a leading zero");
	STR_EQ(b.s, "{\"consumer\":\"c\",\"events\":[{\"n\":"
	    "12345678901234567890}]}", "the number as it came, no range");
	oms_buf_free(&b);
}

int
main(void)
{
	hmac();
	body();
	return UNIT_DONE();
}
