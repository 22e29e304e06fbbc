# Dependency lookup shared by the build tree and the installed package config.
# Debian's xsimd target lists `xtl` as a link dependency, so xtl must be found first,
# or every link fails with "cannot find -lxtl".
include(CMakeFindDependencyMacro)
find_dependency(Eigen3 3.3 NO_MODULE)
find_dependency(xtl)
find_dependency(xsimd)
find_dependency(ZLIB)
find_dependency(nlohmann_json 3.2)  # io/safetensors.hpp
