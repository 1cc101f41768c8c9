# fish completion for oms-stock(1)
#
# Completes the options of oms-stock; the verbs levels, history, verify,
# reconcile, available, feed, import-catalog, export-catalog and
# import-shopify-inventory as the first operand; file names after --db, --rejects
# and as operands; feed formats after --format; and, when sqlite3 is there,
# the skus of the database after history, --sku and --explain, its location
# ids after --location and its channels after --channel.

# Print the verb, when the first operand is one; fail otherwise.
function __oms_stock_verb
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db --rejects --as-of --sku --location --channel --explain --format --type --shopify-location -d -r
            set skip 1
        else if not string match -q -- '-*' $t
            contains -- $t levels history verify reconcile available feed import-catalog export-catalog import-shopify-inventory; or return 1
            echo $t
            return 0
        end
    end
    return 1
end

function __oms_stock_using
    set -l verb (__oms_stock_verb); or return 1
    test "$verb" = $argv[1]
end

function __oms_stock_applying
    not __oms_stock_verb >/dev/null
end

# Print the rows of query $argv[1] over the database of --db, $OMS_DB or ./oms.db.
function __oms_stock_query
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

# Feed formats on the search path of oms-stock(1).
function __oms_stock_feeds
    set -l conf $XDG_CONFIG_HOME
    test -n "$conf"; or set conf $HOME/.config
    for d in (string split : -- "$OMS_PATH") $conf/oms /usr/local/share/oms /usr/share/oms
        for f in $d/feeds/*.json
            string replace -r '\.json$' '' -- (basename $f)
        end
    end
end

complete -c oms-stock -f
complete -c oms-stock -s d -l db -r -F -d 'Use this database file'

# Applying records.
complete -c oms-stock -n __oms_stock_applying -s n -l dry-run -d 'Apply every record, write nothing'
complete -c oms-stock -n __oms_stock_applying -s h -l help -d 'Print the usage and exit'
complete -c oms-stock -n __oms_stock_applying -s q -l quiet -d 'Print no summary line'
complete -c oms-stock -n __oms_stock_applying -s r -l rejects -r -F -d 'Append refused records to this file'
complete -c oms-stock -n __oms_stock_applying -s v -l verbose -d 'Always print the summary line'
complete -c oms-stock -n __oms_stock_applying -s V -l version -d 'Print the version and exit'
complete -c oms-stock -n __oms_stock_applying -a levels -d 'Print stock levels'
complete -c oms-stock -n __oms_stock_applying -a history -d 'Print the movements of a sku'
complete -c oms-stock -n __oms_stock_applying -a verify -d 'Compare the levels with the ledger and the allocations'
complete -c oms-stock -n __oms_stock_applying -a reconcile -d 'Set reserved to what is allocated, through the ledger'
complete -c oms-stock -n __oms_stock_applying -a available -d 'Print what each listing may sell'
complete -c oms-stock -n __oms_stock_applying -a feed -d "Write a channel's upload file"
complete -c oms-stock -n __oms_stock_applying -a import-catalog -d 'Read the catalog as CSV'
complete -c oms-stock -n __oms_stock_applying -a export-catalog -d 'Write the catalog as CSV'
complete -c oms-stock -n __oms_stock_applying -a import-shopify-inventory -d 'Read a Shopify inventory export as counts'
complete -c oms-stock -n __oms_stock_applying -F

# The verbs.
complete -c oms-stock -n '__oms_stock_using levels' -l as-of -x -d 'The levels at this time'
complete -c oms-stock -n '__oms_stock_using levels' -l sku -x -a '(__oms_stock_query "SELECT sku FROM products ORDER BY sku")' -d 'Only this sku'
complete -c oms-stock -n '__oms_stock_using levels' -l location -x -a '(__oms_stock_query "SELECT id FROM locations ORDER BY id")' -d 'Only this location'
complete -c oms-stock -n '__oms_stock_using history' -a '(__oms_stock_query "SELECT sku FROM products ORDER BY sku")'
complete -c oms-stock -n '__oms_stock_using verify' -s q -l quiet -d 'Print no closing message'
complete -c oms-stock -n '__oms_stock_using reconcile' -s n -l dry-run -d 'Say what would be done, write nothing'
complete -c oms-stock -n '__oms_stock_using reconcile' -s q -l quiet -d 'Print no closing message'
complete -c oms-stock -n '__oms_stock_using reconcile' -s v -l verbose -d 'Print the closing message'
complete -c oms-stock -n '__oms_stock_using available' -l channel -x -a '(__oms_stock_query "SELECT DISTINCT channel FROM listings ORDER BY 1")' -d 'Only this channel'
complete -c oms-stock -n '__oms_stock_using available' -l sku -x -a '(__oms_stock_query "SELECT sku FROM products ORDER BY sku")' -d 'Only this sku'
complete -c oms-stock -n '__oms_stock_using available' -l explain -x -a '(__oms_stock_query "SELECT sku FROM products ORDER BY sku")' -d 'How each figure of this sku was reached'
complete -c oms-stock -n '__oms_stock_using feed' -l channel -x -a '(__oms_stock_query "SELECT DISTINCT channel FROM listings ORDER BY 1")' -d 'The channel'
complete -c oms-stock -n '__oms_stock_using feed' -l format -x -a '(__oms_stock_feeds)' -d 'The feed format'
complete -c oms-stock -n '__oms_stock_using feed' -l full -d 'Every active listing, not only changes'
complete -c oms-stock -n '__oms_stock_using feed' -s n -l dry-run -d 'Write the file, leave the cursor'
complete -c oms-stock -n '__oms_stock_using feed' -s v -l verbose -d 'Say how many listings were written'
for v in import-catalog import-shopify-inventory
    complete -c oms-stock -n "__oms_stock_using $v" -F
    complete -c oms-stock -n "__oms_stock_using $v" -s n -l dry-run -d 'Apply nothing'
    complete -c oms-stock -n "__oms_stock_using $v" -s q -l quiet -d 'Print no summary line'
    complete -c oms-stock -n "__oms_stock_using $v" -s v -l verbose -d 'Print notes and the summary line'
    complete -c oms-stock -n "__oms_stock_using $v" -l rejects -r -F -d 'Append refused rows to this file'
end
complete -c oms-stock -n '__oms_stock_using import-shopify-inventory' -l location -x -a '(__oms_stock_query "SELECT id FROM locations ORDER BY id")' -d 'Count at this location'
complete -c oms-stock -n '__oms_stock_using import-shopify-inventory' -l shopify-location -x -d 'Only the rows of this Shopify location'
complete -c oms-stock -n '__oms_stock_using export-catalog' -l type -x -a 'location product listing kit' -d 'Only this type'
