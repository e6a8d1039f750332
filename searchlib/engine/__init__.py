"""The storage engine: the schema and analysis, storage and locking, commits, the
postings codec, the segment writer, merging and its policy, top-k retrieval and columns.

The only package that reads or writes Whoosh's codec, file and writer internals.
"""
