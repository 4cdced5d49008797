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
#       An exercise: its test built with the exercise as shipped (must fail
#       its assertions), with solutions/ (must pass), and with the learner's
#       file for ./workbook check (no ctest test). See below.
#
# Labels: ch00, ch01, ... per chapter; sqlite / postgres per database;
# lib, program, exercise (as shipped), solution, book per kind.

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
#   tests/exercises/exN_M_NAME_test.c       its cmocka test
# and a line `N.M BLOBHASH` in chapters/SHIPPED: the git blob of the .c as shipped
# (`./workbook shipped --record` writes it).
#
# It makes three programs from the one test:
#   exN.M           the test with the learner's file. `./workbook check` builds and runs it;
#                   it is not part of `all` and has no ctest test, so whatever state the
#                   learner's file is in never breaks the suite, and its warnings are not
#                   errors (check shows them).
#   exN.M.shipped   the test with the exercise as shipped, taken from git by its recorded
#                   blob hash into the build tree: it must fail its own assertions
#                   (tests/exercises/fails_as_shipped.sh), so it never depends on what the
#                   learner has done.
#   exN.M.solution  the test with solutions/: must pass.
# The tests run on both databases when the test uses the test database (it includes
# testdb.h), on SQLite only when it calls raw sqlite3_ functions (chapter 0), and with no
# database label when it touches none (4.1), so the per-database counts stay true.
function(orm_exercise)
  cmake_parse_arguments(X "" "ID;CHAPTER;DIR;NAME" "LIBS" ${ARGN})
  string(REPLACE "." "_" idu ${X_ID})
  set(base ex${idu}_${X_NAME})
  set(exdir ${ORM_WORKBOOK_ROOT}/chapters/${X_DIR}/exercises)
  set(test ${ORM_WORKBOOK_ROOT}/tests/exercises/${base}_test.c)

  file(READ ${test} test_text)
  if(test_text MATCHES "#include \"testdb\\.h\"")
    set(dbs sqlite postgres)
  elseif(test_text MATCHES "sqlite3_[a-z0-9_]+\\(")
    set(dbs sqlite)
  else()
    set(dbs "")
  endif()

  add_executable(ex${X_ID} EXCLUDE_FROM_ALL ${test} ${exdir}/${base}.c)
  target_compile_options(ex${X_ID} PRIVATE -Wno-error)

  _orm_shipped_copy(${X_ID} ${X_DIR}/exercises/${base}.c shipped_src)
  set(kinds solution)
  if(shipped_src)
    list(PREPEND kinds shipped)
    add_executable(ex${X_ID}.shipped ${test} ${shipped_src})
  endif()
  add_executable(ex${X_ID}.solution ${test} ${ORM_WORKBOOK_ROOT}/solutions/${X_DIR}/${base}.c)

  foreach(kind learner ${kinds})
    if(kind STREQUAL "learner")
      set(target ex${X_ID})
    else()
      set(target ex${X_ID}.${kind})
    endif()
    target_include_directories(${target} PRIVATE ${exdir})
    target_link_libraries(${target} PRIVATE orm orm_testsupport PkgConfig::CMOCKA ${X_LIBS})
  endforeach()

  foreach(kind ${kinds})
    if(kind STREQUAL "shipped")
      set(label exercise)
      set(command sh ${ORM_WORKBOOK_ROOT}/tests/exercises/fails_as_shipped.sh)
    else()
      set(label solution)
      set(command "")
    endif()
    set(names "")
    if(dbs)
      foreach(db ${dbs})
        set(name ex${X_ID}.${kind}.${db})
        add_test(NAME ${name} COMMAND ${command} $<TARGET_FILE:ex${X_ID}.${kind}>)
        set_tests_properties(${name} PROPERTIES
          LABELS "${X_CHAPTER};${label};${db}" ENVIRONMENT "ORM_TEST_DATABASE=${db}")
        if(db STREQUAL "postgres")
          set_tests_properties(${name} PROPERTIES RESOURCE_LOCK postgres)
        endif()
      endforeach()
    else()
      add_test(NAME ex${X_ID}.${kind} COMMAND ${command} $<TARGET_FILE:ex${X_ID}.${kind}>)
      set_tests_properties(ex${X_ID}.${kind} PROPERTIES LABELS "${X_CHAPTER};${label}")
    endif()
  endforeach()
  get_property(tests DIRECTORY PROPERTY TESTS)
  list(FILTER tests INCLUDE REGEX "^ex${X_ID}\\.")
  set_tests_properties(${tests} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endfunction()

# Writes the exercise file `path` (under chapters/) as shipped into the build tree, from the
# blob hash chapters/SHIPPED records for exercise `id`, and sets `outvar` to its path; leaves
# `outvar` empty, with a warning, when there is no record or git cannot produce the blob (the
# test exercises.shipped_recorded then fails, so this is noticed).
function(_orm_shipped_copy id path outvar)
  set(${outvar} "" PARENT_SCOPE)
  set(list ${ORM_WORKBOOK_ROOT}/chapters/SHIPPED)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${list})
  string(REPLACE "." "\\." id_re ${id})
  set(lines "")
  if(EXISTS ${list})
    file(STRINGS ${list} lines REGEX "^${id_re}[ \t]+[0-9a-f]+$")
  endif()
  if(NOT lines)
    message(WARNING "exercise ${id}: no record in chapters/SHIPPED, so its shipped test is "
      "missing (run ./workbook shipped --record)")
    return()
  endif()
  string(REGEX REPLACE "^[^ \t]+[ \t]+" "" hash "${lines}")
  find_package(Git QUIET)
  get_filename_component(name ${path} NAME)
  set(copy ${CMAKE_CURRENT_BINARY_DIR}/shipped/${name})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/shipped)
  set(rc 1)
  if(GIT_EXECUTABLE)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${ORM_WORKBOOK_ROOT} cat-file blob ${hash}
      OUTPUT_FILE ${copy}.new RESULT_VARIABLE rc ERROR_QUIET)
  endif()
  if(NOT rc EQUAL 0)
    file(REMOVE ${copy}.new)
    message(WARNING "exercise ${id}: git has no blob ${hash} (chapters/SHIPPED), so its "
      "shipped test is missing")
    return()
  endif()
  # Rewritten only when it changed, so a reconfigure does not rebuild it.
  file(COPY_FILE ${copy}.new ${copy} ONLY_IF_DIFFERENT)
  file(REMOVE ${copy}.new)
  set(${outvar} ${copy} PARENT_SCOPE)
endfunction()
