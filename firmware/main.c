/* main.c — decran-relay entry point; everything else is in libfw so the
 * unit tests link exactly the code the box runs. */
#include "relayd.h"

int main(int argc, char **argv)
{
	return relayd_main(argc, argv);
}
