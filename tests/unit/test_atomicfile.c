/* test_atomicfile.c — atomic replace, write-only-on-change, bounded reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicfile.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/decran-atomic-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/f.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void writes_and_reads_back(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(dc_atomic_write(path, "hello", 5, true), 0);
	char *s = dc_read_file(path, 100, &len);
	assert_non_null(s);
	assert_int_equal(len, 5);
	assert_string_equal(s, "hello");
	free(s);
	assert_int_equal(dc_atomic_write(path, "bye", 3, false), 0);
	s = dc_read_file(path, 100, &len);
	assert_string_equal(s, "bye");
	free(s);
}

static void update_only_on_change(void **state)
{
	(void)state;
	struct stat a, b;
	assert_int_equal(dc_atomic_update(path, "{\"1\":1}", 7, true), 1);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(dc_atomic_update(path, "{\"1\":1}", 7, true), 0);
	assert_int_equal(stat(path, &b), 0);
	/* same inode: not rewritten (a rewrite renames a new inode in) */
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(dc_atomic_update(path, "{\"1\":0}", 7, true), 1);
	assert_int_equal(stat(path, &b), 0);
	assert_int_not_equal(a.st_ino, b.st_ino);
	/* longer content with the same prefix is a change too */
	assert_int_equal(dc_atomic_update(path, "{\"1\":0}\n", 8, true), 1);
}

static void read_limits_and_errors(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(dc_atomic_write(path, "0123456789", 10, false), 0);
	errno = 0;
	assert_null(dc_read_file(path, 9, &len));
	assert_int_equal(errno, EFBIG);
	char missing[160];
	snprintf(missing, sizeof missing, "%s/none", dir);
	assert_null(dc_read_file(missing, 100, &len));
	assert_int_equal(errno, ENOENT);
	/* a write into a missing directory fails and leaves no temp file */
	char bad[160];
	snprintf(bad, sizeof bad, "%s/no/such/dir/f", dir);
	assert_int_equal(dc_atomic_write(bad, "x", 1, true), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_and_reads_back, setup, teardown),
		cmocka_unit_test_setup_teardown(update_only_on_change, setup, teardown),
		cmocka_unit_test_setup_teardown(read_limits_and_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
