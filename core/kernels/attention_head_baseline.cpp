// The attention kernels for any CPU of the target architecture.
#define ATTUNE_KERNEL_ISA baseline
#include "core/kernels/attention_head_impl.h"
