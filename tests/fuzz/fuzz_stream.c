/*
 * libFuzzer harness for the stream reader: any bytes, fed in chunks whose
 * sizes come from the input itself, must end in a state or a clean error,
 * never a crash, a leak or unbounded memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xcv_stream_limits lim = XCV_STREAM_LIMITS;
	struct xcv_stream *s = NULL;
	size_t chunk, off = 0;

	if (size == 0 || xcv_stream_new(&s, &lim) < 0)
		return 0;
	/* Small feeds, byte by byte up to 64, or large ones up to 4 KiB, so
	 * that inputs past the 64 KiB element limit stay cheap. */
	chunk = (size_t)data[0] % 64 + 1;
	if (data[0] >= 128)
		chunk *= 64;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (xcv_stream_feed(s, data + off, n) < 0)
			break;
		/* A restart mid-stream, as after STARTTLS <proceed/>. */
		if (xcv_stream_state(s)->proceed && xcv_stream_restart(s) < 0)
			break;
		off += n;
	}
	xcv_stream_free(s);
	return 0;
}
