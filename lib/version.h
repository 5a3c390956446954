/* version.h — one version for every decran program and protocol banner. */
#ifndef DECRAN_VERSION_H
#define DECRAN_VERSION_H
#define DECRAN_VERSION "0.1.0"
#endif
