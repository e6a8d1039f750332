"""The storage engine: the schema and analysis, the index's files, versions, lock and
storage, commits, the postings codec, the segment writer, merging and its policy,
top-k retrieval and columns.

The only package that reads or writes Whoosh's codec, file and writer internals
(tests/test_engine_wall.py holds the rest of searchlib to that), and it writes them
only under the Whoosh release it is tested with (`versions`).
"""
