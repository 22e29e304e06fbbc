#pragma once
/// dualspike's version: the single source of truth (CMake reads it).
#define DUALSPIKE_VERSION_MAJOR 0
#define DUALSPIKE_VERSION_MINOR 1
#define DUALSPIKE_VERSION_PATCH 0

namespace dualspike {
inline constexpr int version_major = DUALSPIKE_VERSION_MAJOR;
inline constexpr int version_minor = DUALSPIKE_VERSION_MINOR;
inline constexpr int version_patch = DUALSPIKE_VERSION_PATCH;
}  // namespace dualspike
