#!/usr/bin/env bash
# Checks that the documentation keeps up with the options of `asyncfetch --help`:
#   options  every option (long and short) has an entry in docs/asyncfetch.1 and is completed by
#            completions/asyncfetch.bash and completions/_asyncfetch, with the values of options
#            that take one of a fixed set (--format tsv|table|json); the man page has its sections
#            and every exit status of --help
#   bash     the bash completion loads and registers itself (complete -p asyncfetch)
#   groff    the man page renders with no groff warnings (skipped, status 77, without groff)
#   all      all of the above (the default)
#
# usage: tests/docs_test.sh PATH/TO/asyncfetch [options|bash|groff|all]
# Registered with ctest by cmake/packaging.cmake; the source tree is this script's parent
# directory unless ASYNCFETCH_SOURCE_DIR says otherwise.
set -u -o pipefail

skip_status=77
if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 PATH/TO/asyncfetch [options|bash|groff|all]" >&2
    exit 2
fi
bin=$1
mode=${2:-all}
case $mode in
    options | bash | groff | all) ;;
    *)
        echo "$0: unknown check '$mode' (options, bash, groff or all)" >&2
        exit 2
        ;;
esac

root=${ASYNCFETCH_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
man_page=$root/docs/asyncfetch.1
bash_completion=$root/completions/asyncfetch.bash
zsh_completion=$root/completions/_asyncfetch

failures=()
fail() { failures+=("$1"); }

for f in "$man_page" "$bash_completion" "$zsh_completion"; do
    [[ -f $f ]] || fail "missing file: $f"
done
if [[ ! -x $bin ]]; then
    echo "$0: $bin is not an executable (build the asyncfetch target first)" >&2
    exit 2
fi
if [[ ${#failures[@]} -gt 0 ]]; then
    printf 'FAIL: %s\n' "${failures[@]}" >&2
    exit 1
fi

# A whole-word match for an option (letters, digits and dashes only): --retry must not be
# satisfied by --retry-delay.
has_option() { # $1: option, stdin: text
    grep -Eq -- "(^|[^[:alnum:]-])$1([^[:alnum:]-]|$)"
}

check_options() {
    local help
    if ! help=$("$bin" --help 2>&1); then
        fail "'$bin --help' failed: $help"
        return
    fi

    # Option lines of CLI11's help start with two spaces and a dash: "  -m,--timeout,--max-time FLOAT...".
    local -a opts=() longs=()
    local -A values=() # option -> "tsv table json" for TEXT:{tsv,table,json}
    local line names rest name
    while IFS= read -r line; do
        [[ $line =~ ^\ \ (-[^[:space:]]+)(.*)$ ]] || continue
        names=${BASH_REMATCH[1]}
        rest=${BASH_REMATCH[2]}
        IFS=, read -ra split <<<"$names"
        for name in "${split[@]}"; do
            if [[ ! $name =~ ^--?[[:alnum:]][[:alnum:].-]*$ ]]; then
                fail "cannot read the option name '$name' in '$bin --help'"
                continue
            fi
            opts+=("$name")
            [[ $name == --* ]] && longs+=("$name")
            if [[ $rest =~ :\{([^}]*)\} ]]; then
                values[$name]=${BASH_REMATCH[1]//,/ }
            fi
        done
    done <<<"$help"
    if [[ ${#longs[@]} -lt 10 ]]; then
        fail "found only ${#longs[@]} long options in '$bin --help'; has its format changed?"
        return
    fi

    # Man page: every option has an entry of its own, i.e. is in the tag line after a .TP.
    local tags
    tags=$(awk 'tp { print; tp = 0; next } /^\.TP/ { tp = 1 }' "$man_page" |
        sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g' -e 's/\\[&%]//g' -e 's/\\(aq/'"'"'/g' -e 's/"//g')
    local -a man_missing=() man_values=()
    local v entry
    for name in "${opts[@]}"; do
        if ! has_option "$name" <<<"$tags"; then
            man_missing+=("$name")
            continue
        fi
        [[ -n ${values[$name]-} ]] || continue
        entry=$(grep -E -- "(^|[^[:alnum:]-])$name([^[:alnum:]-]|$)" <<<"$tags")
        for v in ${values[$name]}; do
            grep -Eq "(^|[^[:alnum:]])$v([^[:alnum:]]|$)" <<<"$entry" || man_values+=("$name $v")
        done
    done
    [[ ${#man_missing[@]} -eq 0 ]] ||
        fail "docs/asyncfetch.1 has no OPTIONS entry (.TP tag) for: ${man_missing[*]}"
    [[ ${#man_values[@]} -eq 0 ]] ||
        fail "docs/asyncfetch.1 does not list these values in the option's entry: ${man_values[*]}"

    local section
    local -a sections_missing=()
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT 'EXIT STATUS' ENVIRONMENT EXAMPLES 'SEE ALSO'; do
        grep -Eq "^\.SH +\"?$section\"?[[:space:]]*$" "$man_page" || sections_missing+=("'$section'")
    done
    [[ ${#sections_missing[@]} -eq 0 ]] || fail "docs/asyncfetch.1 lacks the sections: ${sections_missing[*]}"

    # Exit statuses named in --help ("Exit status: 0 all succeeded, 1 some failed, ...").
    local statuses status
    statuses=$(tr '\n' ' ' <<<"$help" | sed -n 's/.*Exit status:\(.*\)/\1/p' | grep -oE '(^|[ ,])[0-9]{1,3} ' | tr -dc '0-9 \n')
    local exit_tags
    exit_tags=$(awk '/^\.SH/ { in_exit = ($0 ~ /EXIT STATUS/) } in_exit && tp { print; tp = 0; next } in_exit && /^\.TP/ { tp = 1 }' "$man_page")
    local -a status_missing=()
    for status in $statuses; do
        grep -Eq "^\.B +${status}[[:space:]]*$|^${status}[[:space:]]*$" <<<"$exit_tags" || status_missing+=("$status")
    done
    [[ ${#status_missing[@]} -eq 0 ]] ||
        fail "docs/asyncfetch.1 EXIT STATUS has no entry for: ${status_missing[*]}"

    # Bash: ask the completion function itself, as bash would for "asyncfetch -<TAB>".
    local bash_out
    # shellcheck disable=SC2016  # expanded by the inner bash
    bash_out=$(bash --norc --noprofile -c '
        source "$1" || exit 1
        spec=$(complete -p asyncfetch) || exit 1
        fn=${spec#*-F }; fn=${fn%% *}
        complete_words() {
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
            COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
            "$fn" asyncfetch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
        }
        complete_words asyncfetch -
        printf "%s\n" "${COMPREPLY[@]}"
        shift
        for opt in "$@"; do
            complete_words asyncfetch "$opt" ""
            for v in "${COMPREPLY[@]}"; do printf "%s=%s\n" "$opt" "$v"; done
        done
    ' bash "$bash_completion" "${!values[@]}" 2>&1)
    local -a bash_missing=() bash_values=()
    for name in "${opts[@]}"; do
        grep -qxF -- "$name" <<<"$bash_out" || bash_missing+=("$name")
    done
    for name in "${!values[@]}"; do
        for v in ${values[$name]}; do
            grep -qxF -- "$name=$v" <<<"$bash_out" || bash_values+=("$name $v")
        done
    done
    [[ ${#bash_missing[@]} -eq 0 ]] ||
        fail "completions/asyncfetch.bash does not complete: ${bash_missing[*]}"
    [[ ${#bash_values[@]} -eq 0 ]] ||
        fail "completions/asyncfetch.bash does not offer these values: ${bash_values[*]}"

    # Zsh: every option in an _arguments spec, descriptions ([...]) and exclusion lists ((...)) aside,
    # so that "--compare" in the description of --runs does not count for --compare itself.
    local specs
    specs=$(sed -e 's/\[[^]]*\]//g' -e 's/([^)]*)//g' "$zsh_completion")
    local -a zsh_missing=() zsh_values=()
    for name in "${opts[@]}"; do
        has_option "$name" <<<"$specs" || zsh_missing+=("$name")
    done
    for name in "${!values[@]}"; do
        entry=$(grep -E -- "(^|[^[:alnum:]-])$name([^[:alnum:]-]|$)" "$zsh_completion" | grep -F ':' || true)
        for v in ${values[$name]}; do
            grep -Eq "(^|[^[:alnum:]])$v([^[:alnum:]]|$)" <<<"$entry" || zsh_values+=("$name $v")
        done
    done
    [[ ${#zsh_missing[@]} -eq 0 ]] ||
        fail "completions/_asyncfetch does not complete: ${zsh_missing[*]}"
    [[ ${#zsh_values[@]} -eq 0 ]] ||
        fail "completions/_asyncfetch does not offer these values: ${zsh_values[*]}"
    if command -v zsh >/dev/null; then
        local zerr
        zerr=$(zsh -n "$zsh_completion" 2>&1) || fail "completions/_asyncfetch is not valid zsh: $zerr"
    fi

    echo "options: ${#opts[@]} options of --help (${#longs[@]} long) checked in the man page and both completions"
}

check_bash() {
    local out
    # shellcheck disable=SC2016
    if ! out=$(cd "$root" && bash --norc --noprofile -c 'source completions/asyncfetch.bash && complete -p asyncfetch' 2>&1); then
        fail "'source completions/asyncfetch.bash && complete -p asyncfetch' failed: $out"
        return
    fi
    echo "bash: $out"
}

# 0: rendered cleanly, 1: warnings, 77: no groff.
check_groff() {
    if ! command -v groff >/dev/null; then
        echo "SKIP: groff is not installed; not checking that docs/asyncfetch.1 renders (apt-get install groff-base)"
        return $skip_status
    fi
    local device out
    for device in utf8 ascii; do
        out=$(groff -man -T"$device" -ww -z "$man_page" 2>&1)
        if [[ -n $out ]]; then
            fail "groff -man -T$device -ww -z docs/asyncfetch.1 warns:"$'\n'"$out"
        fi
    done
    echo "groff: docs/asyncfetch.1 renders with no warnings"
    return 0
}

groff_status=0
case $mode in
    options) check_options ;;
    bash) check_bash ;;
    groff) check_groff || groff_status=$? ;;
    all)
        check_options
        check_bash
        check_groff || groff_status=$?
        ;;
esac

if [[ ${#failures[@]} -gt 0 ]]; then
    printf 'FAIL: %s\n' "${failures[@]}" >&2
    exit 1
fi
if [[ $mode == groff && $groff_status -eq $skip_status ]]; then
    exit $skip_status
fi
echo "PASS"
