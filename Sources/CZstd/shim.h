// Only the stable API of libzstd (no ZSTD_STATIC_LINKING_ONLY): the frame format the
// codec writes must not depend on experimental parameters whose numbers may change.
#include <zstd.h>
#include <zstd_errors.h>
