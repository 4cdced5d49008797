# headers.cmake - compiles every public header on its own, as the only
# thing a file includes, with -Wall -Wextra -pedantic -Werror: a header
# must bring what it needs and say nothing a strict compiler objects to.
# Each header is included twice, which also checks its include guard.
# (libgit2's tests/headertest does the same.)
#
#   cmake -DCC=cc -DINCLUDE_DIR=shared/include -DWORK_DIR=/tmp/h -P headers.cmake

file(GLOB headers RELATIVE ${INCLUDE_DIR} ${INCLUDE_DIR}/orm/*.h)
list(SORT headers)
if(NOT headers)
  message(FATAL_ERROR "no headers found in ${INCLUDE_DIR}/orm")
endif()
file(MAKE_DIRECTORY ${WORK_DIR})

set(failed "")
foreach(header IN LISTS headers)
  string(REGEX REPLACE "[/.]" "_" stem ${header})
  set(source ${WORK_DIR}/${stem}.c)
  file(WRITE ${source}
    "#include \"${header}\"\n#include \"${header}\"\n"
    "int orm_header_test_${stem}(void);\n"
    "int orm_header_test_${stem}(void) { return 0; }\n")
  execute_process(
    COMMAND ${CC} -std=c11 -Wall -Wextra -pedantic -Werror -Wstrict-prototypes
            -Wmissing-prototypes -I${INCLUDE_DIR} -c ${source} -o ${WORK_DIR}/${stem}.o
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(STATUS "ok   ${header}")
  else()
    message(STATUS "FAIL ${header}\n${out}")
    list(APPEND failed ${header})
  endif()
endforeach()

list(LENGTH headers total)
if(failed)
  message(FATAL_ERROR "headers that do not compile on their own: ${failed}")
endif()
message(STATUS "all ${total} public headers compile on their own")
