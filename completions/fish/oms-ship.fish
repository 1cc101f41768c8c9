# fish completion for oms-ship(1)
#
# Completes the options of oms-ship, and of its verbs pick, track,
# manifest, confirm, notify, void and settle, given as the first operand; the carriers
# after --carrier, from the oms-carrier-* programs on PATH; the services
# of the offline rate tables after --service; zpl, pdf and both after
# --format when shipping, the confirmation formats of the search path
# after confirm's --format; directories after --labels, --slips and
# --mail; file names after --db and --pdf, and as operands unless --pending
# is given; and, when sqlite3 is there, the database's channels after
# --feed, its locations after --location and the days it shipped on after
# --date.

# Print the operands before the cursor, those that are not option values.
function __oms_ship_operands
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db -d --account --carrier --date --dpi --feed --format --from --labels --location --mail --pdf --service --slips --wave-size
            set skip 1
        else if not string match -q -- '-*' $t
            echo $t
        end
    end
end

# Whether the first operand is the verb $argv[1].
function __oms_ship_using
    set -l ops (__oms_ship_operands)
    test "$ops[1]" = $argv[1]
end

# Whether no verb was given: shipping.
function __oms_ship_shipping
    set -l ops (__oms_ship_operands)
    not contains -- "$ops[1]" pick track manifest confirm notify void settle
end

# Whether nothing but options has been given yet.
function __oms_ship_first
    set -l ops (__oms_ship_operands)
    test (count $ops) = 0
end

# Whether --pending was given: shipping, with no file.
function __oms_ship_pending
    contains -- --pending (commandline -opc)
end

# Print the rows of query $argv[1] over the database of --db, $OMS_DB or ./oms.db.
function __oms_ship_query
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
    sqlite3 -readonly -batch $db $argv[1] 2>/dev/null
end

# The carrier adapters on PATH: oms-carrier-NAME, as NAME.
function __oms_ship_carriers
    for d in $PATH
        for f in $d/oms-carrier-*
            test -x $f; or continue
            string replace -r -- '^.*/oms-carrier-' '' $f
        end
    end | string match -r -- '^[a-z0-9_][a-z0-9_-]*$' | sort -u
end

# The names of the files DIR/$argv[1]/*.json on the search path of oms-ship(1).
function __oms_ship_data
    set -l conf $XDG_CONFIG_HOME
    test -n "$conf"; or set conf $HOME/.config
    set -l share
    set -l prog (command -s oms-ship)
    and set share (string replace -r -- '/bin/[^/]*$' '' $prog)/share/oms
    for d in (string split : -- "$OMS_PATH") $conf/oms $share /usr/local/share/oms /usr/share/oms
        for f in $d/$argv[1]/*.json
            string replace -r '\.json$' '' -- (basename $f)
        end
    end | sort -u
end

# Today, and the days the database shipped on, the latest first.
function __oms_ship_days
    begin
        date -u +%Y-%m-%d
        __oms_ship_query "SELECT DISTINCT substr(shipped_at, 1, 10) FROM shipments ORDER BY 1 DESC LIMIT 31"
    end | sort -ru
end

complete -c oms-ship -f
complete -c oms-ship -s d -l db -r -F -d 'Use this database file'

# Shipping.
complete -c oms-ship -n __oms_ship_shipping -l carrier -x -a '(__oms_ship_carriers)' -d 'The carrier adapter to buy labels from'
complete -c oms-ship -n __oms_ship_shipping -l labels -x -a '(__fish_complete_directories)' -d 'Write the labels into this directory'
complete -c oms-ship -n __oms_ship_shipping -l service -x -a '(__oms_ship_data rates)' -d 'Buy this service and no other'
complete -c oms-ship -n __oms_ship_shipping -l dpi -x -a '203 300' -d 'The resolution of the ZPL labels'
complete -c oms-ship -n __oms_ship_shipping -l format -x -a 'zpl pdf both' -d 'The labels drawn when the carrier sends none'
complete -c oms-ship -n __oms_ship_shipping -l slips -x -a '(__fish_complete_directories)' -d 'Write a packing slip for each shipment into this directory'
complete -c oms-ship -n '__oms_ship_shipping; and __oms_ship_first; and not __oms_ship_pending' -l pending -d 'Read no file: ship every order that may ship now'
complete -c oms-ship -n __oms_ship_shipping -s h -l help -d 'Print the usage and exit'
complete -c oms-ship -n __oms_ship_shipping -s V -l version -d 'Print the version and exit'
complete -c oms-ship -n 'not __oms_ship_using manifest' -s q -l quiet -d 'Print no summary line'
complete -c oms-ship -n 'not __oms_ship_using manifest' -s v -l verbose -d 'Always print the summary line'
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a pick -d 'Group the allocations into waves and print pick lists'
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a track -d 'Ask the carriers what became of the parcels'
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a manifest -d "List a carrier's shipments of a day"
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a confirm -d "Write a channel's shipment confirmation file"
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a notify -d 'Write the messages to the customers'
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a void -d 'Cancel a label the carrier does not have yet'
complete -c oms-ship -n '__oms_ship_first; and not __oms_ship_pending' -a settle -d 'Ask the payment adapters for the captures and refunds owed'
complete -c oms-ship -n '__oms_ship_shipping; and not __oms_ship_pending' -F

# The verbs.
complete -c oms-ship -n '__oms_ship_using pick' -l location -x -a '(__oms_ship_query "SELECT id FROM locations ORDER BY id")' -d 'Only the allocations at this location'
complete -c oms-ship -n '__oms_ship_using pick' -l wave-size -x -d 'At most this many orders a wave (50)'
complete -c oms-ship -n '__oms_ship_using pick' -l pdf -r -F -d 'Also write the lists as a PDF'
complete -c oms-ship -n '__oms_ship_using pick' -l wave -x -a '(__oms_ship_query "SELECT id FROM waves WHERE record IS NOT NULL ORDER BY id DESC LIMIT 50")' -d 'Print wave N (to M) again, as it was printed'
complete -c oms-ship -n '__oms_ship_using track' -l carrier -x -a '(__oms_ship_carriers)' -d 'Only the shipments of this carrier'
complete -c oms-ship -n '__oms_ship_using manifest' -l carrier -x -a '(__oms_ship_carriers)' -d 'The carrier'
complete -c oms-ship -n '__oms_ship_using manifest' -l date -x -a '(__oms_ship_days)' -d 'The day, YYYY-MM-DD in UTC'
complete -c oms-ship -n '__oms_ship_using confirm' -l feed -x -a '(__oms_ship_query "SELECT DISTINCT channel FROM orders ORDER BY 1")' -d 'The channel to confirm to'
complete -c oms-ship -n '__oms_ship_using confirm' -l account -x -d 'The account of the channel whose file this is'
complete -c oms-ship -n '__oms_ship_using confirm' -l format -x -a '(__oms_ship_data confirmations)' -d 'The confirmation format'
complete -c oms-ship -n '__oms_ship_using confirm' -s n -l dry-run -d 'Write the file, record nothing'
complete -c oms-ship -n '__oms_ship_using notify' -l mail -x -a '(__fish_complete_directories)' -d 'Write the messages as mail files into this directory'
complete -c oms-ship -n '__oms_ship_using notify' -l from -x -d 'The From address of the mail'
