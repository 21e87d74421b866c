/* LD_PRELOAD shim for the CLI tests: every libblkid probe fails, as it
 * does when the device cannot be read, so the test sees what init does
 * with a probe that failed. */
int blkid_do_safeprobe(void *pr);

int blkid_do_safeprobe(void *pr)
{
	(void)pr;
	return -1;
}
