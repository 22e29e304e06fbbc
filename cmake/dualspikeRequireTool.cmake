# dualspike_require_tool(<package> <option> <debian package>): find_package(<package>)
# for one of dualspike's own program groups (tests, examples, benchmarks), with a message
# that says what to install or which option turns the group off when it is missing.
macro(dualspike_require_tool _pkg _option _debian)
  find_package(${_pkg} QUIET)
  if(NOT ${_pkg}_FOUND)
    message(FATAL_ERROR "dualspike: ${_option} is ON but ${_pkg} was not found. Install it (Debian: apt install "
                        "${_debian}; bash scripts/setup.sh installs every dependency) or configure with "
                        "-D${_option}=OFF (installing dualspike needs none of its tests, examples or benchmarks).")
  endif()
endmacro()
