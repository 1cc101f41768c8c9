# fish completion for oms(1)
#
# Completes the options of oms, its built-in commands, the programs
# oms-NAME found beside the oms being run and on PATH (offered as NAME),
# and file names after --db; after status, its options, and a few times
# (1h, 24h, 2d, 7d) after them; after init, check and status, --db and -q
# as before them; after purge-customer, its options and directories after
# --labels, --slips and --mail; after migrate, --to and a file; after
# help, the built-ins and the programs.  After a program's name, the
# completion of
# oms-NAME takes over, or file names when it has none.

# Print the command (the first operand) and how many words follow it;
# fail when no command has been typed yet.
function __oms_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l n (count $tokens)
    set -l i 0
    set -l want_arg 0
    set -l dashdash 0
    for t in $tokens
        set i (math $i + 1)
        if test $want_arg = 1
            set want_arg 0
        else if test $dashdash = 1; or not string match -q -- '-?*' $t
            echo $t
            math $n - $i
            return 0
        else if test "$t" = --
            set dashdash 1
        else if test "$t" = --db; or string match -qr -- '^-[hqV]*d$' $t
            set want_arg 1
        end
    end
    return 1
end

function __oms_needs_command
    not __oms_command >/dev/null
end

function __oms_using_help
    set -l c (__oms_command); or return 1
    test "$c[1]" = help -a "$c[2]" = 0
end

function __oms_using_status
    set -l c (__oms_command); or return 1
    test "$c[1]" = status
end

function __oms_using_purge
    set -l c (__oms_command); or return 1
    test "$c[1]" = purge-customer
end

function __oms_using_db_builtin
    set -l c (__oms_command); or return 1
    contains -- $c[1] init check status purge-customer migrate
end

function __oms_using_migrate
    set -l c (__oms_command); or return 1
    test "$c[1]" = migrate
end

function __oms_using_program
    set -l c (__oms_command); or return 1
    not contains -- $c[1] init check status purge-customer migrate version help
end

# Print NAME and a description for every executable oms-NAME beside the
# oms being run and on PATH.
function __oms_programs
    set -l oms (commandline -opc)[1]
    set oms (string replace -r -- '^~' $HOME $oms)
    set -l dirs
    if string match -q -- '*/*' $oms
        set -l d (string replace -r '/[^/]*$' '' -- $oms)
        test -n "$d"; or set d /
        set -a dirs $d
    end
    for d in $PATH
        test -n "$d"; or set d .
        set -a dirs $d
    end
    set -l seen
    for d in $dirs
        for f in $d/oms-*
            test -f $f -a -x $f; or continue
            set -l name (string replace -r '^.*/oms-' '' -- $f)
            # The names oms(1) accepts: a-z, 0-9, - and _, no leading -.
            string match -qr -- '^[a-z0-9_][a-z0-9_-]*$' $name; or continue
            contains -- $name $seen; and continue
            set -a seen $name
            switch $name
                case import
                    printf '%s\t%s\n' $name 'Capture orders from every channel'
                case stock
                    printf '%s\t%s\n' $name 'Catalog, locations, stock ledger, feeds'
                case route
                    printf '%s\t%s\n' $name 'Allocate orders to locations by rules'
                case ship
                    printf '%s\t%s\n' $name 'Pick, pack, label, track, confirm'
                case return
                    printf '%s\t%s\n' $name 'Returns, restock, exchanges, reships'
                case report
                    printf '%s\t%s\n' $name 'Sales, fulfilment, stock, profit reports'
                case events
                    printf '%s\t%s\n' $name 'Every change as an event stream'
                case edi
                    printf '%s\t%s\n' $name 'A 3pl\'s orders, shipments, stock as EDI'
                case '*'
                    printf '%s\t%s\n' $name "Run oms-$name"
            end
        end
    end
end

# Complete the words after a program's name as oms-NAME would.
function __oms_complete_program
    set -l tokens (commandline -opc)
    set -l c (__oms_command); or return
    set -l cur (commandline -ct)
    set -l line oms-$c[1]
    if test $c[2] -gt 0
        set -l from (math (count $tokens) - $c[2] + 1)
        set -a line (string escape -- $tokens[$from..-1])
    end
    set line (string join ' ' -- $line)
    complete -C "$line $cur"
end

complete -c oms -f

complete -c oms -n __oms_needs_command -s d -l db -r -F -d 'Use this database file'
complete -c oms -n __oms_needs_command -s h -l help -d 'List the commands and exit'
complete -c oms -n __oms_needs_command -s q -l quiet -d 'Print no report after init, check or status'
complete -c oms -n __oms_needs_command -s V -l version -d 'Print the version and exit'

complete -c oms -n __oms_needs_command -a init -d 'Create or upgrade the database'
complete -c oms -n __oms_needs_command -a check -d 'Check the database for consistency'
complete -c oms -n __oms_needs_command -a status -d 'List what needs a person now'
complete -c oms -n __oms_needs_command -a purge-customer -d 'Erase a customer\'s personal data'
complete -c oms -n __oms_needs_command -a migrate -d 'Copy the database into a new one'
complete -c oms -n __oms_needs_command -a version -d 'Print the versions'
complete -c oms -n __oms_needs_command -a help -d 'List the commands, or show the help of one'
complete -c oms -n __oms_needs_command -a '(__oms_programs)'

complete -c oms -n __oms_using_help -a 'init check status purge-customer migrate version help' -d 'Built-in command'
complete -c oms -n __oms_using_help -a '(__oms_programs)'
complete -c oms -n __oms_using_db_builtin -s d -l db -r -F -d 'Use this database file'
complete -c oms -n __oms_using_db_builtin -s q -l quiet -d 'Print no report'
complete -c oms -n __oms_using_status -l older-than -x -a '1h 24h 2d 7d' -d 'Orders allocated longer than this (24h)'
complete -c oms -n __oms_using_status -l recent -x -a '1h 24h 2d 7d' -d 'Cancels refused within this (7d)'
complete -c oms -n __oms_using_purge -s n -l dry-run -d 'Say what would be erased, change nothing'
complete -c oms -n __oms_using_purge -l labels -x -a '(__fish_complete_directories)' -d 'Look for the labels here too'
complete -c oms -n __oms_using_purge -l slips -x -a '(__fish_complete_directories)' -d 'Delete the packing slips here'
complete -c oms -n __oms_using_purge -l mail -x -a '(__fish_complete_directories)' -d 'Delete the messages in this maildir'
complete -c oms -n __oms_using_purge -l order -x -d 'Erase this order\'s customer (o_N or CHANNEL:ID)'
complete -c oms -n __oms_using_migrate -l to -r -F -d 'The new database: a file or a postgresql:// URL'
complete -c oms -n __oms_using_program -a '(__oms_complete_program)'
