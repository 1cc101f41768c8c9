# fish completion for oms-import(1)
#
# Completes the options of oms-import; channel names after --channel (the
# adapters and channels that `oms-import channels` lists, and "auto"); time
# zones from /usr/share/zoneinfo after --tz; common currency codes after
# --currency; "mtime" after --exported-at; file names after --db, --rejects
# and as operands; the verbs release, cancel, hold and show as the first word
# and channels as the first operand; and after release, cancel and hold, their
# options, "cancel" and "keep" after --lines, and the orders of the database
# each can take (when sqlite3 is there): the held ones for release, those
# not cancelled, fulfilled or delivered for cancel, and of those the ones
# not held for hold.

# Print the operands typed so far, skipping options and their arguments.
function __oms_import_operands
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l want_arg 0
    set -l dashdash 0
    for t in $tokens
        if test $want_arg = 1
            set want_arg 0
        else if test $dashdash = 1; or not string match -q -- '-?*' $t
            echo $t
        else if test "$t" = --
            set dashdash 1
        else if contains -- $t --account --channel --currency --db --exported-at --line --lines --reason --rejects --tz
            set want_arg 1
        else if string match -qr -- '^-[^-]*[cdr]$' $t
            set want_arg 1
        end
    end
end

# Print the verb: release, cancel or hold as the first word (their options
# come after them), channels as the first operand; fail when there is none.
function __oms_import_verb
    set -l tokens (commandline -opc)
    if contains -- "$tokens[2]" release cancel hold show
        echo $tokens[2]
        return 0
    end
    set -l ops (__oms_import_operands)
    test "$ops[1]" = channels; or return 1
    echo channels
end

# Whether the verb is one of $argv.
function __oms_import_using
    set -l verb (__oms_import_verb); or return 1
    contains -- $verb $argv
end

function __oms_import_importing
    not __oms_import_verb >/dev/null
end

function __oms_import_no_operand
    test (count (__oms_import_operands)) -eq 0
end

function __oms_import_first_word
    test (count (commandline -opc)) -eq 1
end

# The import batches of the database, newest first (when sqlite3 is there).
function __oms_import_batches
    set -l db
    set -l next 0
    for t in (commandline -opc)
        if test $next = 1
            set db $t
            set next 0
        else if contains -- $t --db -d
            set next 1
        else if string match -q -- '--db=*' $t
            set db (string replace -- '--db=' '' $t)
        end
    end
    test -n "$db"; or set db $OMS_DB
    test -n "$db"; or set db oms.db
    set db (string replace -r -- '^~' $HOME $db)
    test -r $db; and type -q sqlite3; or return
    sqlite3 -readonly -batch $db 'SELECT id FROM import_batches ORDER BY id DESC LIMIT 50' 2>/dev/null
end

# Print the adapters and channels that oms-import channels lists, and auto.
function __oms_import_channels
    set -l prog (commandline -opc)[1]
    set prog (string replace -r -- '^~' $HOME $prog)
    string match -q -- '*oms-import' $prog; or set prog oms-import
    printf '%s\t%s\n' auto 'Recognise each file by its content'
    set -l seen
    for line in ($prog channels 2>/dev/null)
        set -l f (string split -n ' ' -- $line)
        test (count $f) -ge 2; or continue
        set -l desc $f
        set -e desc[1..2]
        printf '%s\t%s\n' $f[1] (string join ' ' -- $desc "(channel $f[2])")
        contains -- $f[2] $seen; and continue
        set -a seen $f[2]
        printf '%s\t%s\n' $f[2] 'Every adapter of the channel'
    end
end

# Print the IANA time zone names: Area/City, and the few plain ones.
function __oms_import_zones
    set -l dir /usr/share/zoneinfo
    if not test -d $dir
        echo UTC
        return
    end
    find -L $dir -type f 2>/dev/null | string replace -- "$dir/" '' |
        string match -rv -- '^(posix|right)/|\.|^[a-z]|^Factory$' | sort
end

# Print the orders of the database named by --db, $OMS_DB or ./oms.db that
# the verb $argv[1] can take: held ones for release; for cancel, those not
# cancelled, fulfilled or delivered; for hold, those of them not held.
function __oms_import_orders
    set -l where
    switch $argv[1]
        case release
            set where "status = 'hold'"
        case cancel
            set where "status NOT IN ('cancelled', 'fulfilled', 'delivered')"
        case hold
            set where "status NOT IN ('hold', 'cancelled', 'fulfilled', 'delivered')"
        case '*'
            return 1
    end
    set -l db
    set -l next 0
    for t in (commandline -opc)
        if test $next = 1
            set db $t
            set next 0
        else if test "$t" = --db; or string match -qr -- '^-[^-]*d$' $t
            set next 1
        else if string match -q -- '--db=*' $t
            set db (string replace -- '--db=' '' $t)
        end
    end
    test -n "$db"; or set db $OMS_DB
    test -n "$db"; or set db oms.db
    set db (string replace -r -- '^~' $HOME $db)
    test -r $db; and type -q sqlite3; or return
    sqlite3 -readonly -batch -separator \t $db "
        SELECT 'o_' || id, channel || ' ' || external_id || ': ' ||
            CASE WHEN status = 'hold'
            THEN coalesce(json_extract(hold_reasons, '\$[0]'), 'held')
            ELSE status END
        FROM orders WHERE $where ORDER BY id" 2>/dev/null
end

complete -c oms-import -f

# Importing.
complete -c oms-import -n __oms_import_importing -s a -l all -d 'Write every order, unchanged ones too'
complete -c oms-import -n __oms_import_importing -l account -x -d 'The account (store) of the channel'
complete -c oms-import -n __oms_import_importing -s c -l channel -x -a '(__oms_import_channels)' -d 'Read with this adapter or channel'
complete -c oms-import -n __oms_import_importing -l currency -x -a 'USD EUR GBP CAD AUD NZD JPY CHF SEK NOK DKK PLN CZK HUF MXN BRL INR CNY HKD SGD KRW ZAR AED' -d 'Currency of orders whose file has none'
complete -c oms-import -n __oms_import_importing -s n -l dry-run -d 'Do everything but commit'
complete -c oms-import -n __oms_import_importing -l check -d 'Vet the files: report what is worth a look, store nothing'
complete -c oms-import -n __oms_import_importing -l exported-at -x -a mtime -d 'When the files were exported, or mtime'
complete -c oms-import -n __oms_import_importing -s h -l help -d 'Print the usage and exit'
complete -c oms-import -n __oms_import_importing -s r -l rejects -r -F -d 'Append rejected records to this file'
complete -c oms-import -n __oms_import_importing -l tz -x -a '(__oms_import_zones)' -d 'Time zone of dates that carry none'
complete -c oms-import -n __oms_import_importing -s v -l verbose -d 'Say which adapter read each file'
complete -c oms-import -n __oms_import_importing -s V -l version -d 'Print the version and exit'

# Importing, release, cancel, hold and show.
complete -c oms-import -n '__oms_import_importing; or __oms_import_using release cancel hold show' -s d -l db -r -F -d 'Use this database file'
complete -c oms-import -n '__oms_import_importing; or __oms_import_using release cancel hold' -s q -l quiet -d 'Print no summary or message'

# Release, cancel and hold.
complete -c oms-import -n '__oms_import_using release' -s f -l force -d 'Release even when the checks fail'
complete -c oms-import -n '__oms_import_using release' -l lines -x -a 'cancel keep' -d 'Cancel or keep the lines that cannot ship'
complete -c oms-import -n '__oms_import_using cancel hold' -l reason -x -d 'Why: kept with the cancel or hold'
complete -c oms-import -n '__oms_import_using cancel' -l line -x -d 'Cancel line N, or N:QTY of its units'
complete -c oms-import -n '__oms_import_using show' -l batch -x -a '(echo last; __oms_import_batches)' -d 'The import batch N, or the last'

# Operands: a verb first, else channel exports; after release, cancel and
# hold, the orders each can take.
complete -c oms-import -n __oms_import_first_word -a release -d 'Let held orders go on'
complete -c oms-import -n __oms_import_first_word -a cancel -d 'Cancel orders, or some of their lines'
complete -c oms-import -n __oms_import_first_word -a hold -d 'Stop orders from going ahead'
complete -c oms-import -n __oms_import_first_word -a show -d 'The orders an import printed, printed again'
complete -c oms-import -n __oms_import_no_operand -a channels -d 'List the channel adapters'
complete -c oms-import -n __oms_import_importing -F
complete -c oms-import -n '__oms_import_using release' -a '(__oms_import_orders release)'
complete -c oms-import -n '__oms_import_using cancel' -a '(__oms_import_orders cancel)'
complete -c oms-import -n '__oms_import_using hold' -a '(__oms_import_orders hold)'
