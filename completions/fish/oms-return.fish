# fish completion for oms-return(1)
#
# Completes the options of oms-return, and of its verbs request,
# authorize, decline, cancel, close, receive, inspect, expire, list, show,
# label, track, exchange, reship, refunds, refunded, refund and import,
# given as the first operand; the reasons of returns/reasons.json after
# request's --reason, lost and damaged after reship's; the resolutions,
# dispositions, states and label formats; the return file formats of the
# search path after import's --format; the carrier accounts after
# --account; directories after --dir; file names after --db and
# --rejects, and as operands where the program reads files; and, when
# sqlite3 is there, the database's locations after --location and --to,
# its SKUs after --sku and --to-sku, and the returns (r_N) or refunds
# (f_N) a verb may act on.

# Print the operands before the cursor, those that are not option values.
function __oms_return_operands
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db -d --account --at --dir --disposition --force --format --key --location --note --now --order --reason --rejects --resolution --shipment --sku --state --to --to-sku --tracking
            set skip 1
        else if not string match -q -- '-*' $t
            echo $t
        end
    end
end

# Whether the first operand is one of the verbs $argv.
function __oms_return_using
    set -l ops (__oms_return_operands)
    contains -- "$ops[1]" $argv
end

# Whether no verb was given: records are applied.
function __oms_return_records
    set -l ops (__oms_return_operands)
    not contains -- "$ops[1]" request authorize decline cancel close receive inspect expire list show label track exchange reship refunds refunded refund import
end

# Whether nothing but options has been given yet.
function __oms_return_first
    set -l ops (__oms_return_operands)
    test (count $ops) = 0
end

# Whether the verb $argv[1] has no operand yet.
function __oms_return_bare
    set -l ops (__oms_return_operands)
    test "$ops[1]" = $argv[1]; and test (count $ops) = 1
end

# Print the rows of query $argv[1] over the database of --db, $OMS_DB or ./oms.db.
function __oms_return_query
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

# The directories of the search path of oms-return(1).
function __oms_return_dirs
    set -l conf $XDG_CONFIG_HOME
    test -n "$conf"; or set conf $HOME/.config
    set -l share
    set -l prog (command -s oms-return)
    and set share (string replace -r -- '/bin/[^/]*$' '' $prog)/share/oms
    string split : -- "$OMS_PATH"
    printf '%s\n' $conf/oms $share /usr/local/share/oms /usr/share/oms
end

# The names of the files DIR/$argv[1]/*.json on the search path.
function __oms_return_data
    for d in (__oms_return_dirs)
        for f in $d/$argv[1]/*.json
            string replace -r '\.json$' '' -- (basename $f)
        end
    end | sort -u
end

# The reason codes of returns/reasons.json on the search path.
function __oms_return_reasons
    for d in (__oms_return_dirs)
        test -f $d/returns/reasons.json; or continue
        sed -n -e 's/.*"code": *"\([a-z0-9_]*\)".*/\1/p' -e 's/^ *"\([a-z0-9_]*\)": *{.*/\1/p' $d/returns/reasons.json
    end | sort -u
end

function __oms_return_formats
    begin
        __oms_return_data returns/formats
        printf '%s\n' amazon-fba-returns amazon-returns shopify-refund woocommerce-refund
    end | sort -u
end

# The returns that the SQL condition $argv[1] holds for, the latest first.
function __oms_return_returns
    __oms_return_query "SELECT 'r_' || id FROM returns WHERE $argv[1] ORDER BY id DESC LIMIT 100"
end

set -l __oms_return_locations '(__oms_return_query "SELECT id FROM locations WHERE quarantine_of IS NULL ORDER BY id")'
set -l __oms_return_skus '(__oms_return_query "SELECT sku FROM products ORDER BY sku")'
set -l __oms_return_qv 'not __oms_return_using list show refunds'

complete -c oms-return -f
complete -c oms-return -s d -l db -r -F -d 'Use this database file'

# Applying records.
complete -c oms-return -n '__oms_return_records; or __oms_return_using request import' -l rejects -r -F -d 'Append each refused record to this file'
complete -c oms-return -n __oms_return_records -s h -l help -d 'Print the usage and exit'
complete -c oms-return -n __oms_return_records -s V -l version -d 'Print the version and exit'
complete -c oms-return -n $__oms_return_qv -s q -l quiet -d 'Print no summary line'
complete -c oms-return -n $__oms_return_qv -s v -l verbose -d 'Always print the summary line'
complete -c oms-return -n __oms_return_first -a request -d "Ask for a return of an order's lines"
complete -c oms-return -n __oms_return_first -a authorize -d 'Let requested returns come back'
complete -c oms-return -n __oms_return_first -a decline -d 'Refuse requested returns'
complete -c oms-return -n __oms_return_first -a cancel -d 'Cancel returns nothing of which came back'
complete -c oms-return -n __oms_return_first -a close -d 'Close returns whose units are all inspected'
complete -c oms-return -n __oms_return_first -a receive -d 'Take returned units into quarantine'
complete -c oms-return -n __oms_return_first -a inspect -d 'Decide what becomes of received units'
complete -c oms-return -n __oms_return_first -a expire -d 'Expire returns whose window ended with nothing back'
complete -c oms-return -n __oms_return_first -a list -d 'Print returns'
complete -c oms-return -n __oms_return_first -a show -d 'Print returns by id, tracking number or channel number'
complete -c oms-return -n __oms_return_first -a label -d 'Buy or draw return labels'
complete -c oms-return -n __oms_return_first -a track -d "Follow returns' parcels back"
complete -c oms-return -n __oms_return_first -a exchange -d 'An order for what replaces a return'
complete -c oms-return -n __oms_return_first -a reship -d 'An order at no charge for a parcel lost or damaged'
complete -c oms-return -n __oms_return_first -a refunds -d 'Print refunds owed or paid'
complete -c oms-return -n __oms_return_first -a refunded -d 'Mark refunds paid'
complete -c oms-return -n __oms_return_first -a refund -d 'Refund the cancelled units of orders paid for'
complete -c oms-return -n __oms_return_first -a import -d "Read a channel's returns or refunds file"
complete -c oms-return -n __oms_return_records -F

# The verbs.
complete -c oms-return -n '__oms_return_using request' -l reason -x -a '(__oms_return_reasons)' -d 'Why it comes back'
complete -c oms-return -n '__oms_return_using request' -l note -x -d 'What the customer said'
complete -c oms-return -n '__oms_return_using request' -l resolution -x -a 'refund exchange store_credit none' -d 'What the customer gets'
complete -c oms-return -n '__oms_return_using request' -l force -x -d 'Take it though the policy refuses it, for this reason'
complete -c oms-return -n '__oms_return_using request' -l location -x -a $__oms_return_locations -d 'Where it is to come back to'
complete -c oms-return -n '__oms_return_using request' -l keep -d 'Refund it; the customer keeps the units'
complete -c oms-return -n '__oms_return_using request' -l at -x -d 'When the customer asked (RFC 3339)'
complete -c oms-return -n '__oms_return_using request receive inspect exchange reship' -l key -x -d 'Its own key, so a retry counts once'
complete -c oms-return -n '__oms_return_using authorize decline cancel close' -l reason -x -d 'Why, kept in the event'
complete -c oms-return -n '__oms_return_using authorize decline' -a "(__oms_return_returns \"state = 'requested'\")"
complete -c oms-return -n '__oms_return_using cancel' -a "(__oms_return_returns \"state IN ('requested', 'authorized', 'in_transit')\")"
complete -c oms-return -n '__oms_return_using close' -a "(__oms_return_returns \"state IN ('received', 'inspected')\")"
complete -c oms-return -n '__oms_return_using receive' -l location -x -a $__oms_return_locations -d 'Where it was received'
complete -c oms-return -n '__oms_return_using receive reship' -l tracking -x -d 'The parcel, by its tracking number'
complete -c oms-return -n '__oms_return_bare receive; or __oms_return_using label' -a "(__oms_return_returns \"state IN ('authorized', 'in_transit', 'received')\")"
complete -c oms-return -n '__oms_return_using inspect' -l disposition -x -a 'restock regrade refurbish vendor dispose missing wrong_item' -d 'What becomes of the units'
complete -c oms-return -n '__oms_return_using inspect' -l sku -x -a $__oms_return_skus -d 'The part of a kit inspected'
complete -c oms-return -n '__oms_return_using inspect' -l to-sku -x -a $__oms_return_skus -d 'Regrade: the SKU the units become'
complete -c oms-return -n '__oms_return_using inspect' -l to -x -a $__oms_return_locations -d 'Restock or regrade at this location'
complete -c oms-return -n '__oms_return_using inspect' -l note -x -d 'What the inspector saw'
complete -c oms-return -n '__oms_return_bare inspect' -a "(__oms_return_returns \"state IN ('received', 'inspected')\")"
complete -c oms-return -n '__oms_return_using expire' -l now -x -d 'Expire as at this time (RFC 3339)'
complete -c oms-return -n '__oms_return_using list' -l state -x -a 'requested authorized in_transit received inspected closed declined cancelled expired' -d 'Only returns in this state'
complete -c oms-return -n '__oms_return_using list refunds' -l order -x -d 'Only those of this order'
complete -c oms-return -n '__oms_return_using show' -a "(__oms_return_returns 1)"
complete -c oms-return -n '__oms_return_using label track' -l account -x -a '(__oms_return_data carriers)' -d 'The carrier account'
complete -c oms-return -n '__oms_return_using label' -l format -x -a 'zpl pdf' -d 'The label format'
complete -c oms-return -n '__oms_return_using label' -l dir -x -a '(__fish_complete_directories)' -d 'Write the labels into this directory'
complete -c oms-return -n '__oms_return_using label' -l reprint -d 'The same label again, not a new one'
complete -c oms-return -n '__oms_return_using exchange' -l advance -d 'Ship it before the return arrives'
complete -c oms-return -n '__oms_return_bare exchange' -a "(__oms_return_returns \"state NOT IN ('declined', 'cancelled', 'expired')\")"
complete -c oms-return -n '__oms_return_using reship' -l reason -x -a 'lost damaged' -d 'What became of the parcel'
complete -c oms-return -n '__oms_return_using reship' -l shipment -x -d 'The parcel lost or damaged (s_N)'
complete -c oms-return -n '__oms_return_using refunds' -l state -x -a 'pending sent all' -d 'Only refunds in this state'
complete -c oms-return -n '__oms_return_using refunded' -a "(__oms_return_query \"SELECT 'f_' || id FROM refunds WHERE state = 'pending' ORDER BY id\")"
complete -c oms-return -n '__oms_return_using import' -l format -x -a '(__oms_return_formats)' -d 'The return file format'
complete -c oms-return -n '__oms_return_using import' -l location -x -a $__oms_return_locations -d "Where the file's received units are"
complete -c oms-return -n '__oms_return_using import' -F
