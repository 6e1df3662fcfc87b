# Sourced by the Python suites' run.sh: `venv_ready DIR` makes (or reuses) DIR/.venv with
# DIR/requirements.txt installed and sets $venv to it. pip runs again only when
# requirements.txt changed since the last successful install.
#   PYTHON=python3   interpreter used to create the virtualenv
venv_ready() {
  local dir="$1"
  venv="$dir/.venv"
  if [[ ! -x "$venv/bin/python" ]]; then
    echo "run.sh: creating $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
  fi
  local stamp="$venv/.requirements.installed"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$dir/requirements.txt" "$stamp"; then
    echo "run.sh: installing requirements.txt" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$dir/requirements.txt"
    cp "$dir/requirements.txt" "$stamp"
  fi
}
