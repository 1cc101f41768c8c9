# fish completion for oms-report(1)
#
# Completes the verbs orders, order, attention, sales, returns,
# fulfilment, inventory, movements, reorder, profit, fees, journal,
# sales-orders and item-fulfilments as
# the first operand, and each verb's options (the filters it takes and
# its own); the groupings of each verb after --by, json, qbo and xero
# after --format, the statuses after --status, a few times after
# --older-than, the zones of the system after --tz; file names after
# --db and --html; and, when sqlite3 is there, the database's channels
# after --channel, its locations after --location, its SKUs after --sku
# and its orders (o_N, newest first) after order.

# Print the verb, when the first operand is one; fail otherwise.
function __oms_report_verb
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db --tz --from --to --channel --location --sku --by --html --as-of --days --cover --format --status --email --name --older-than --hold --limit
            set skip 1
        else if not string match -q -- '-*' $t
            contains -- $t orders order attention sales returns fulfilment inventory movements reorder profit fees journal sales-orders item-fulfilments; or return 1
            echo $t
            return 0
        end
    end
    return 1
end

# Whether the verb is one of $argv.
function __oms_report_using
    set -l verb (__oms_report_verb); or return 1
    contains -- $verb $argv
end

function __oms_report_no_verb
    not __oms_report_verb >/dev/null
end

# Print the rows of query $argv[1] over the database of --db, $OMS_DB or ./oms.db.
function __oms_report_query
    set -l db
    set -l next 0
    for t in (commandline -opc)
        if test $next = 1
            set db $t
            set next 0
        else if test "$t" = --db
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

# The time zones of the system.
function __oms_report_zones
    set -l z /usr/share/zoneinfo
    test -d $z; or return
    for f in (find $z -mindepth 1 \( -name posix -o -name right \) -prune -o -type f -print 2>/dev/null)
        set f (string replace -- "$z/" '' $f)
        string match -q -- '*.*' $f; or echo $f
    end
end

complete -c oms-report -f

set -l channels '(__oms_report_query "SELECT channel FROM orders UNION SELECT channel FROM listings ORDER BY 1")'
set -l locations '(__oms_report_query "SELECT id FROM locations ORDER BY id")'
set -l skus '(__oms_report_query "SELECT sku FROM products ORDER BY sku")'

# Before a verb: the page, and the verbs.
complete -c oms-report -l db -r -F -d 'Use this database file'
complete -c oms-report -n __oms_report_no_verb -l html -r -F -d 'Write the page of the main reports'
complete -c oms-report -n __oms_report_no_verb -s h -l help -d 'Print the usage and exit'
complete -c oms-report -n __oms_report_no_verb -s V -l version -d 'Print the version and exit'
complete -c oms-report -n __oms_report_no_verb -a orders -d 'List and search orders'
complete -c oms-report -n __oms_report_no_verb -a order -d 'The whole story of an order'
complete -c oms-report -n __oms_report_no_verb -a attention -d 'What needs a person now'
complete -c oms-report -n __oms_report_no_verb -a sales -d 'Gross, discounts, returns, net, tax, shipping'
complete -c oms-report -n __oms_report_no_verb -a returns -d 'Return rate, dispositions, refunds'
complete -c oms-report -n __oms_report_no_verb -a fulfilment -d 'Times to ship and deliver, on time, fill'
complete -c oms-report -n __oms_report_no_verb -a inventory -d 'Stock per sku and location: cover, aging, value'
complete -c oms-report -n __oms_report_no_verb -a movements -d 'The stock ledger by location, kind and reason'
complete -c oms-report -n __oms_report_no_verb -a reorder -d 'What to reorder to keep N days of cover'
complete -c oms-report -n __oms_report_no_verb -a profit -d 'Net sales less costs, fees and returns'
complete -c oms-report -n __oms_report_no_verb -a fees -d 'Each channel fee charged, with its rule'
complete -c oms-report -n __oms_report_no_verb -a journal -d 'A daily journal per channel, for the books'
complete -c oms-report -n __oms_report_no_verb -a sales-orders -d 'Orders placed or changed, for an ERP'
complete -c oms-report -n __oms_report_no_verb -a item-fulfilments -d 'Parcels shipped, for an ERP'

# The filters, where each is taken.
complete -c oms-report -n '__oms_report_no_verb; or __oms_report_using orders sales returns fulfilment inventory movements reorder profit fees journal attention sales-orders item-fulfilments' -l tz -x -a '(__oms_report_zones)' -d "The merchant's time zone"
complete -c oms-report -n '__oms_report_no_verb; or __oms_report_using orders sales returns fulfilment movements profit fees journal sales-orders item-fulfilments' -l from -x -d 'From this day on (YYYY-MM-DD)'
complete -c oms-report -n '__oms_report_no_verb; or __oms_report_using orders sales returns fulfilment movements profit fees journal sales-orders item-fulfilments' -l to -x -d 'Up to the end of this day'
complete -c oms-report -n '__oms_report_no_verb; or __oms_report_using orders attention sales returns fulfilment inventory reorder profit fees journal sales-orders item-fulfilments' -l channel -x -a $channels -d 'One channel only'
complete -c oms-report -n '__oms_report_no_verb; or __oms_report_using orders sales returns fulfilment inventory movements reorder item-fulfilments' -l location -x -a $locations -d 'One location only'
complete -c oms-report -n '__oms_report_no_verb; or __oms_report_using orders sales returns fulfilment inventory movements reorder profit fees sales-orders item-fulfilments' -l sku -x -a $skus -d 'One sku only'

# The output, after a verb.
complete -c oms-report -n __oms_report_verb -l csv -d 'CSV with a header line'
complete -c oms-report -n __oms_report_verb -l table -d 'An aligned table'
complete -c oms-report -n __oms_report_verb -l json -d 'JSON lines, even at a terminal'
complete -c oms-report -n __oms_report_verb -s h -l help -d 'Print the help of the verb and exit'

# Each verb's own.
complete -c oms-report -n '__oms_report_using orders' -l status -x -a 'open hold backordered partial allocated partly_shipped shipped delivered cancelled fulfilled partly_returned returned' -d 'In one of these statuses'
complete -c oms-report -n '__oms_report_using orders' -l email -x -d "The customer's email, whole"
complete -c oms-report -n '__oms_report_using orders' -l name -x -d "In the customer's or the ship-to name"
complete -c oms-report -n '__oms_report_using orders' -l older-than -x -a '1h 24h 2d 7d' -d 'Placed longer ago'
complete -c oms-report -n '__oms_report_using attention' -l older-than -x -a '1h 24h 2d 7d' -d 'How long allocated or received may wait (24h)'
complete -c oms-report -n '__oms_report_using orders' -l hold -x -d 'On hold, this text in a reason'
complete -c oms-report -n '__oms_report_using orders' -l limit -x -d 'The first N orders only'
complete -c oms-report -n '__oms_report_using order' -a '(__oms_report_query "SELECT \'o_\' || id FROM orders ORDER BY id DESC LIMIT 100")'
complete -c oms-report -n '__oms_report_using sales' -l by -x -a 'day week month all' -d 'The period of a row'
complete -c oms-report -n '__oms_report_using returns' -l by -x -a 'channel sku reason' -d 'A row a channel, sku or reason'
complete -c oms-report -n '__oms_report_using fulfilment' -l by -x -a 'location channel' -d 'A row a location or a channel'
complete -c oms-report -n '__oms_report_using profit' -l by -x -a 'channel sku' -d 'A row a channel or a sku'
complete -c oms-report -n '__oms_report_using inventory' -l as-of -x -d 'Stock at the end of this day'
complete -c oms-report -n '__oms_report_using reorder' -l days -x -d 'The days of sales to average (30)'
complete -c oms-report -n '__oms_report_using reorder' -l cover -x -d 'Days of stock wanted (30)'
complete -c oms-report -n '__oms_report_using journal' -l format -x -a 'json qbo xero' -d 'JSON rows, QuickBooks Online or Xero CSV'
