#!/usr/bin/env bash
# Gradescope runs this once, while it builds the autograder image (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
# python3.11 for the grader; bubblewrap for the boundary around each submission.
apt-get install -y python3.11 python3.11-venv bubblewrap
# Where user namespaces do not work (many Docker images), the grader runs each submission as this
# unprivileged user instead, and kills every process of it when grading ends.
id -u funcpipe-sandbox >/dev/null 2>&1 || \
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin funcpipe-sandbox
# The grader and the library live outside /autograder, readable by the sandbox user; the graded tests and
# the results stay in /autograder/source and /autograder/results, which only root can read.
python3.11 -m venv /opt/funcpipe
/opt/funcpipe/bin/python -m pip install --quiet --upgrade pip
/opt/funcpipe/bin/python -m pip install --quiet /autograder/source
chmod 755 /opt/funcpipe
chmod 700 /autograder/source
