"""Import the public deadline trackers' YAML (ccf-deadlines, ai-deadlines) as event files.

Pure: parsing and mapping only. Reading and writing files is the command line's job
(``bot/import_cli.py``); fetching tracker URLs is the follower's (``bot/services/trackers.py``).
``model`` holds what an import yields, ``read`` parses a tracker file, ``emit`` writes event
YAML. This package file imports none of them, so naming the trackers (``model.TRACKERS``,
for ``deadline-bot --help``) loads no YAML or time zone code.
"""
