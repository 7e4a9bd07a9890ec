#pragma once

#include <cstddef>
#include <cstdint>

namespace attune::tensorboard {

/// CRC-32C (Castagnoli polynomial, RFC 3720), as TFRecord files check
/// their lengths and payloads with.
uint32_t crc32c(const void* data, size_t size);

/// TFRecord's masked form of a CRC: rotated right by 15 bits plus a
/// constant, so that a CRC of data holding CRCs stays well distributed.
uint32_t masked_crc32c(const void* data, size_t size);

}  // namespace attune::tensorboard
