/* placeholder */
typedef int orm_placeholder_testdb;
