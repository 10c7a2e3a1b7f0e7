"""Classroom 50 autograder for the FuncPipe Module 8 workbook.

Generated from funcpipe_rag/course.py by `make course-files`; do not edit. Copy it to
CLASSROOM/autograders/ASSIGNMENT/autograder.py in your classroom50 repository and give the
assignment the runtime {"python": "3.12"}: the workbook runs on Python 3.11 to 3.13, and
Classroom 50 defaults to a newer Python. The runner starts it in the learner's checkout; it
installs the workbook, grades every available core and writes ./result.json
(schema classroom50/result/v1, one entry per graded test, credit per test). A non-zero exit
means the grader itself could not run.
"""

import subprocess
import sys

CORES = ['m08c01', 'm08c02', 'm08c03', 'm08c04', 'm08c05', 'm08c06', 'm08c07', 'm08c08', 'm08c09', 'm08c10', 'm08c11']

if not (3, 11) <= sys.version_info[:2] <= (3, 13):
    print("::error::the workbook needs Python 3.11 to 3.13; set the assignment's runtime "
          '{"python": "3.12"}', file=sys.stderr)
    sys.exit(1)
subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", "."], check=True)
graded = subprocess.run([sys.executable, "-m", "funcpipe_rag.cli", "grade", *CORES,
                         "--format", "classroom50", "--output", "result.json"], check=False)
sys.exit(graded.returncode)
