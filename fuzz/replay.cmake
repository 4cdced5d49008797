# replay.cmake - the fuzz targets in the normal build (gcc, ci and sanitize presets): each
# target's source is linked with replay.c, which runs LLVMFuzzerTestOneInput on every file of
# its corpus, and ctest runs that as fuzz.NAME (label fuzz). No clang needed: this is what
# keeps each corpus, crashes found by fuzzing included, passing in every test run. Included
# from tests/CMakeLists.txt, after the libraries the targets link with.
set(ORM_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})

function(orm_fuzz_target name source)
  add_executable(fuzz_${name}_replay ${ORM_FUZZ_DIR}/replay.c ${ORM_FUZZ_DIR}/${source})
  target_link_libraries(fuzz_${name}_replay PRIVATE ${ARGN})
  add_test(NAME fuzz.${name} COMMAND fuzz_${name}_replay ${ORM_FUZZ_DIR}/corpus/${name})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS "fuzz" TIMEOUT 60)
endfunction()

include(${ORM_FUZZ_DIR}/targets.cmake)
