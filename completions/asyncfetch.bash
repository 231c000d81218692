# bash completion for asyncfetch(1)                              -*- shell-script -*-
#
# Installed as share/bash-completion/completions/asyncfetch (loaded on demand by
# bash-completion); it also works when sourced on its own, without bash-completion.
# tests/docs_test.sh checks that every option of `asyncfetch --help` is completed here.

# Complete file names. $1: a prefix put in front of every candidate (the '@' of
# --data @FILE), or empty; $2: the partial file name.
_asyncfetch_files()
{
    local prefix=$1 word=$2
    if [[ -z $prefix && $word == "$cur" ]] && declare -F _filedir >/dev/null; then
        _filedir
        return
    fi
    local f
    local -a found
    mapfile -t found < <(compgen -f -- "$word")
    COMPREPLY=()
    if [[ -z $prefix ]]; then
        # Bash quotes the names and marks directories itself.
        COMPREPLY=("${found[@]}")
        compopt -o filenames 2>/dev/null
        return 0
    fi
    for f in "${found[@]}"; do
        [[ -d $f ]] && f+=/
        COMPREPLY+=("$prefix$(printf %q "$f")")
    done
    # A directory is a step on the way, not an answer: no space after it.
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

_asyncfetch_dirs()
{
    if declare -F _filedir >/dev/null; then
        _filedir -d
        return
    fi
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    compopt -o filenames 2>/dev/null
    return 0
}

_asyncfetch()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        # Plain bash splits --opt=value at the '=' and -d @FILE at the '@' into words
        # of their own, while the text it replaces is the whole value: put it together.
        case $cur in
            =) cur= ;;
            =@) cur=@ ;;
        esac
        case $prev in
            = | =@ | @)
                [[ $prev == *@ ]] && cur=@$cur
                prev=${words[cword - 2]-}
                ;;
        esac
    fi

    # asyncfetch report [--stats] [--json] [--waterfall FILE] [FILE|-]...
    if [[ ${words[1]-} == report && $cword -gt 1 ]]; then
        if [[ $prev == --waterfall ]]; then
            _asyncfetch_files "" "$cur"
        elif [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W '-h --help --stats --json --waterfall' -- "$cur")
        else
            _asyncfetch_files "" "$cur"
        fi
        return
    fi
    if [[ $cword -eq 1 && $cur != -* && report == "$cur"* && -n $cur ]]; then
        COMPREPLY=(report)
        return
    fi

    case $prev in
        -h | --help | --version)
            return
            ;;
        -i | --input | --cacert | -E | --cert | --key | --export-json | --export-markdown | --waterfall | --har | --state)
            _asyncfetch_files "" "$cur"
            return
            ;;
        -K | --config)
            # A config file, or '-' for standard input.
            _asyncfetch_files "" "$cur"
            [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
            return
            ;;
        --url)
            return
            ;;
        -o | --output)
            # A file name; '-' is stdout.
            _asyncfetch_files "" "$cur"
            return
            ;;
        --output-dir)
            _asyncfetch_dirs
            return
            ;;
        -d | --data | --data-binary)
            # '@FILE' reads the body from FILE; anything else is the body itself.
            [[ $cur == @* ]] && _asyncfetch_files @ "${cur#@}"
            return
            ;;
        -b | --cookie)
            # NAME=VALUE pairs, or a cookie file to read.
            [[ $cur == *=* ]] || _asyncfetch_files "" "$cur"
            return
            ;;
        -D | --dump-header | -c | --cookie-jar)
            # A file, or '-' for standard output.
            _asyncfetch_files "" "$cur"
            [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
            return
            ;;
        -w | --write-out)
            # '@FILE' reads the format from FILE; anything else is the format itself.
            if [[ $cur == @* ]]; then
                _asyncfetch_files @ "${cur#@}"
            elif [[ $cur == *%\{* && ${cur##*%\{} != *\}* ]]; then
                # An open %{: offer the variable names.
                local v
                local -a vars=(http_code response_code size_download time_total time_namelookup
                    time_connect time_appconnect time_starttransfer url url_effective num_redirects
                    http_version remote_ip remote_port errormsg error_kind json)
                COMPREPLY=()
                for v in "${vars[@]}"; do
                    [[ $v == "${cur##*%\{}"* ]] && COMPREPLY+=("${cur%\{*}{$v}")
                done
                compopt -o nospace 2>/dev/null
            fi
            return
            ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W 'tsv table json' -- "$cur")
            return
            ;;
        -X | --request)
            mapfile -t COMPREPLY < <(compgen -W 'GET HEAD POST PUT PATCH DELETE OPTIONS' -- "$cur")
            return
            ;;
        --rate | --rate-per-host)
            # N, N/s, N/m or N/h: offer the units once a number is typed.
            if [[ $cur =~ ^[0-9.]+$ ]]; then
                COMPREPLY=("$cur" "$cur/s" "$cur/m" "$cur/h")
            fi
            return
            ;;
        --max-filesize)
            if [[ $cur =~ ^[0-9]+$ ]]; then
                COMPREPLY=("$cur" "${cur}k" "${cur}M" "${cur}G")
            fi
            return
            ;;
        -x | --proxy)
            [[ -z $cur ]] && COMPREPLY=(http:// socks5:// socks5h://)
            [[ -n $cur ]] && mapfile -t COMPREPLY < <(compgen -W 'http:// socks5:// socks5h://' -- "$cur")
            compopt -o nospace 2>/dev/null
            return
            ;;
        --cert-type | --key-type)
            mapfile -t COMPREPLY < <(compgen -W 'PEM DER' -- "$cur")
            return
            ;;
        -j | --concurrency | --parallel-max | -u | --user | --per-host | --max-redirs | --retry | --retry-delay | --retry-max-time | \
            --runs | --max-failures | --max-streams | --connect-timeout | -m | --timeout | --max-time | \
            -A | --user-agent | -H | --header | --resolve | --noproxy | --dns-servers | \
            --happy-eyeballs-timeout-ms | --socks5 | --socks5-hostname | --pass)
            # A number, a time in seconds or free text: nothing to offer.
            return
            ;;
    esac

    $split && return

    if [[ $cur == -* ]]; then
        local opts='
            -h --help --version
            -i --input --url -K --config --disable
            -j --concurrency --per-host --rate --rate-per-host --sequential
            --format --json --keep-order -q --quiet -s --silent -S --show-error
            -o --output -O --remote-name --remote-name-all --output-dir --create-dirs --no-clobber
            -u --user --basic -Z --parallel --parallel-max -b --cookie -c --cookie-jar
            -X --request -I --head -H --header -A --user-agent -d --data --data-binary
            -f --fail -L --location --max-redirs --allow-insecure-redirects --compressed
            --max-filesize --resolve --dns-servers --happy-eyeballs-timeout-ms -4 --ipv4 -6 --ipv6
            -k --insecure --cacert -E --cert --key --cert-type --key-type --pass --http1.1 --http2 --http2-prior-knowledge --max-streams
            --connect-timeout -m --timeout --max-time
            --retry --retry-delay --retry-max-time --retry-all-methods
            -x --proxy --socks5 --socks5-hostname --noproxy
            --compare --runs --warm --export-json --export-markdown --stats --waterfall --har
            --fail-fast --max-failures --state -N --timestamping
            -v --verbose --verbose-secrets -D --dump-header -w --write-out'
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return
    fi

    # Anything else is a URL: nothing to offer.
} &&
    complete -F _asyncfetch asyncfetch

# ex: filetype=sh
