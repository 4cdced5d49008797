# Workbook.cmake - the few CMake functions every part of the workbook uses.
#
#   orm_db_test(NAME n SOURCES ... [LABELS ...])
#       A cmocka test program run twice by ctest, once per database:
#       n.sqlite and n.postgres, from the same source. The program reads
#       ORM_TEST_DATABASE (sqlite|postgres) through tests/support/testdb.h.
#
#   orm_chapter_program(CHAPTER chNN NAME name SOURCES ...)
#       A chapter's runnable program, plus tests that run it on each
#       database and compare its output with chapters/<dir>/expected/.
#
#   orm_exercise(ID N.M CHAPTER chNN DIR <chapter dir> NAME name)
#       An exercise, built twice: against the learner's file in chapters/
#       (as shipped it must FAIL its test) and against solutions/ (must pass).
#
# Labels: ch00, ch01, ... per chapter; sqlite / postgres per database;
# lib, program, exercise, book per kind.

set(ORM_WORKBOOK_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

# PostgreSQL tests share one server and one database: run them one at a time.
function(_orm_add_db_tests name command labels)
  foreach(db sqlite postgres)
    add_test(NAME ${name}.${db} COMMAND ${command} ${ARGN})
    set_tests_properties(${name}.${db} PROPERTIES
      LABELS "${labels};${db}"
      ENVIRONMENT "ORM_TEST_DATABASE=${db}"
      SKIP_RETURN_CODE 77
      TIMEOUT 120)
    if(db STREQUAL "postgres")
      set_tests_properties(${name}.${db} PROPERTIES RESOURCE_LOCK postgres)
    endif()
  endforeach()
endfunction()

function(orm_db_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LABELS;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE orm orm_testsupport PkgConfig::CMOCKA ${T_LIBS})
  _orm_add_db_tests(${T_NAME} $<TARGET_FILE:${T_NAME}> "${T_LABELS}")
endfunction()

# Every chapter program is built into this target, so `tour` never needs
# the learner's exercise files to compile.
if(NOT TARGET tour_programs)
  add_custom_target(tour_programs)
endif()

function(orm_chapter_program)
  cmake_parse_arguments(P "" "CHAPTER;NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${P_NAME} ${P_SOURCES})
  target_link_libraries(${P_NAME} PRIVATE orm ${P_LIBS})
  target_include_directories(${P_NAME} PRIVATE ${ORM_WORKBOOK_ROOT}/chapters/common)
  add_dependencies(tour_programs ${P_NAME})
  # Arguments: name, command, labels, then the command's arguments.
  _orm_add_db_tests(${P_NAME}.program sh "${P_CHAPTER};program"
    ${ORM_WORKBOOK_ROOT}/tests/run_program.sh $<TARGET_FILE:${P_NAME}>
    ${CMAKE_CURRENT_SOURCE_DIR}/expected $<TARGET_FILE:orm_test_reset>)
endfunction()

# An exercise N.M of chapter directory DIR named NAME has, by convention:
#   chapters/DIR/exercises/exN_M_NAME.c     the learner's file, with TODOs
#   chapters/DIR/exercises/exN_M_NAME.h     what it must implement (not edited)
#   chapters/DIR/exercises/exN_M_NAME.hint  the hint `./workbook hint N.M` prints
#   solutions/DIR/exN_M_NAME.c              the finished exercise
#   tests/exercises/exN_M_NAME_test.c       its cmocka test, on both databases
function(orm_exercise)
  cmake_parse_arguments(X "" "ID;CHAPTER;DIR;NAME" "LIBS" ${ARGN})
  string(REPLACE "." "_" idu ${X_ID})
  set(base ex${idu}_${X_NAME})
  set(exdir ${ORM_WORKBOOK_ROOT}/chapters/${X_DIR}/exercises)
  set(test ${ORM_WORKBOOK_ROOT}/tests/exercises/${base}_test.c)
  foreach(kind exercise solution)
    if(kind STREQUAL "exercise")
      set(src ${exdir}/${base}.c)
      set(target ex${X_ID})
      set(label exercise)
    else()
      set(src ${ORM_WORKBOOK_ROOT}/solutions/${X_DIR}/${base}.c)
      set(target ex${X_ID}.solution)
      set(label solution)
    endif()
    add_executable(${target} ${test} ${src})
    target_include_directories(${target} PRIVATE ${exdir})
    target_link_libraries(${target} PRIVATE orm orm_testsupport PkgConfig::CMOCKA ${X_LIBS})
    _orm_add_db_tests(${target} $<TARGET_FILE:${target}> "${X_CHAPTER};${label}")
    if(kind STREQUAL "exercise")
      # As shipped, an exercise must fail its test: one that passes
      # untouched teaches nothing. `./workbook check` runs these same
      # programs directly and expects them to pass once solved.
      set_tests_properties(ex${X_ID}.sqlite ex${X_ID}.postgres PROPERTIES WILL_FAIL TRUE)
    endif()
  endforeach()
endfunction()
