"""One parser per file type, each turning bytes into a `Parsed` document.

A loader keeps the document's structure in the form chunking understands:
`## `/`### ` heading lines start sections, list items start with `- ` or `1. `.
Loaders know nothing of doc ids or folders; `knowledge.documents.parse_document`
picks the loader by suffix, supplies fallbacks and names the file in errors.
"""
