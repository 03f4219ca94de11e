"""nbgrader settings for a tcplab course (copy into your course folder as nbgrader_config.py).

Only these lines matter to tcplab; everything else is nbgrader's defaults. The test
tests/test_nbgrader.py runs real nbgrader with exactly this file.
"""

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "tcplab"

# The stub that replaces a solution: a comment, valid both at top level (the cell still
# reaches its check(...), "not solved yet") and in a function body after its docstring.
# scripts/make_exercises.py writes the same stub, so the student version nbgrader
# releases and the repository's exercises/ notebooks are the same notebooks.
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Shared exchange directory for release / fetch / submit / collect. On a hub it must be a
# folder every student container mounts, world-writable with the sticky bit
# (mkdir -p /srv/nbgrader/exchange && chmod 1777 /srv/nbgrader/exchange).
c.Exchange.root = "/srv/nbgrader/exchange"

# A notebook that hangs must not stall autograding; each build exercise also limits every
# call of the student's function (TCPLAB_CALL_TIME_LIMIT, default 2 s).
c.ExecutePreprocessor.timeout = 120
