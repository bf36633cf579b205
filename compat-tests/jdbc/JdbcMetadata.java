// pgJDBC against a database: DatabaseMetaData (getTables, getColumns,
// getPrimaryKeys, getImportedKeys, getIndexInfo), prepared statements with
// typed parameters, batches and a transaction. Prints one line per fact so
// the output can be compared between litegres and PostgreSQL.
// Run: java -cp /usr/share/java/postgresql.jar JdbcMetadata.java
import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

public class JdbcMetadata {
    static void out(String kind, Object value) {
        System.out.println(kind + " " + value);
    }

    static List<String> rows(ResultSet rs, String... cols) throws SQLException {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            StringBuilder b = new StringBuilder();
            for (String c : cols) {
                b.append(c).append('=').append(rs.getString(c)).append(' ');
            }
            out.add(b.toString().trim());
        }
        Collections.sort(out);
        return out;
    }

    public static void main(String[] args) throws Exception {
        // postgresql://user:password@host:port/db?sslmode=... as JDBC wants it.
        java.net.URI u = new java.net.URI(System.getenv("DATABASE_URL"));
        String[] userInfo = u.getUserInfo().split(":", 2);
        String url = "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath() + (u.getQuery() == null ? "" : "?" + u.getQuery());
        String user = userInfo[0];
        String password = userInfo.length > 1 ? userInfo[1] : "";
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS j_item, j_box");
                s.execute("CREATE TABLE j_box (id serial PRIMARY KEY, label varchar(30) NOT NULL UNIQUE, weight numeric(8,3))");
                s.execute("CREATE TABLE j_item (box_id int REFERENCES j_box(id) ON DELETE CASCADE, pos smallint, name text NOT NULL, added timestamptz DEFAULT now(), PRIMARY KEY (box_id, pos))");
                s.execute("CREATE INDEX j_item_name_idx ON j_item (name)");
            }
            DatabaseMetaData md = c.getMetaData();
            out("product", md.getDatabaseProductName() + " " + md.getDatabaseMajorVersion());
            out("tables", rows(md.getTables(null, "public", "j_%", new String[] {"TABLE"}), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"));
            out("columns", rows(md.getColumns(null, "public", "j_%", "%"), "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "ORDINAL_POSITION", "IS_AUTOINCREMENT"));
            out("pk.j_item", rows(md.getPrimaryKeys(null, "public", "j_item"), "COLUMN_NAME", "KEY_SEQ", "PK_NAME"));
            out("fk.j_item", rows(md.getImportedKeys(null, "public", "j_item"), "PKTABLE_NAME", "PKCOLUMN_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "DELETE_RULE", "FK_NAME"));
            out("exported.j_box", rows(md.getExportedKeys(null, "public", "j_box"), "FKTABLE_NAME", "FKCOLUMN_NAME"));
            out("indexes.j_item", rows(md.getIndexInfo(null, "public", "j_item", false, false), "INDEX_NAME", "NON_UNIQUE", "COLUMN_NAME", "ORDINAL_POSITION"));
            out("indexes.j_box.unique", rows(md.getIndexInfo(null, "public", "j_box", true, false), "INDEX_NAME", "COLUMN_NAME"));

            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO j_box (label, weight) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                p.setString(1, "small");
                p.setBigDecimal(2, new BigDecimal("1.250"));
                p.executeUpdate();
                try (ResultSet k = p.getGeneratedKeys()) {
                    k.next();
                    out("generated", k.getInt("id"));
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO j_item (box_id, pos, name) VALUES (?, ?, ?)")) {
                for (int i = 1; i <= 3; i++) {
                    p.setInt(1, 1);
                    p.setShort(2, (short) i);
                    p.setString(3, "thing " + i);
                    p.addBatch();
                }
                out("batch", Arrays.toString(p.executeBatch()));
            }
            c.commit();
            try (PreparedStatement p = c.prepareStatement("SELECT b.label, b.weight, count(*) AS n, max(i.pos) AS top FROM j_box b JOIN j_item i ON i.box_id = b.id WHERE b.weight > ? GROUP BY b.label, b.weight")) {
                p.setBigDecimal(1, new BigDecimal("1"));
                try (ResultSet r = p.executeQuery()) {
                    ResultSetMetaData m = r.getMetaData();
                    List<String> types = new ArrayList<>();
                    for (int i = 1; i <= m.getColumnCount(); i++) {
                        types.add(m.getColumnName(i) + ":" + m.getColumnTypeName(i));
                    }
                    out("result.types", types);
                    r.next();
                    out("result", r.getString(1) + " " + r.getBigDecimal(2) + " " + r.getLong(3) + " " + r.getShort(4));
                }
            }
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO j_box (label) VALUES ('small')");
            } catch (SQLException e) {
                out("unique", e.getSQLState());
                c.rollback();
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM j_box")) {
                r.next();
                out("boxes", r.getLong(1));
            }
            // An upsert with RETURNING, then pagination.
            try (PreparedStatement p = c.prepareStatement("INSERT INTO j_box (label, weight) VALUES (?, ?) ON CONFLICT (label) DO UPDATE SET weight = excluded.weight RETURNING label, weight")) {
                List<String> got = new ArrayList<>();
                for (String[] v : new String[][] {{"small", "2.000"}, {"large", "9.5"}}) {
                    p.setString(1, v[0]);
                    p.setBigDecimal(2, new BigDecimal(v[1]));
                    try (ResultSet r = p.executeQuery()) {
                        r.next();
                        got.add(r.getString(1) + "=" + r.getBigDecimal(2).toPlainString());
                    }
                }
                out("upsert", got);
            }
            try (PreparedStatement p = c.prepareStatement("SELECT name FROM j_item ORDER BY pos DESC LIMIT ? OFFSET ?")) {
                p.setInt(1, 2);
                p.setInt(2, 1);
                List<String> got = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        got.add(r.getString(1));
                    }
                }
                out("pagination", got);
            }
        }
        // Server-prepared from the first execution, numeric in the binary format.
        String sep = url.contains("?") ? "&" : "?";
        try (Connection b = DriverManager.getConnection(url + sep + "prepareThreshold=1&binaryTransferEnable=NUMERIC", user, password);
             PreparedStatement p = b.prepareStatement("SELECT ?::numeric * 2, weight FROM j_box WHERE weight IS NOT NULL ORDER BY id")) {
            List<String> got = new ArrayList<>();
            for (String v : new String[] {"1.5", "-0.001", "123456789.123456789", "0"}) {
                p.setBigDecimal(1, new BigDecimal(v));
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    got.add(r.getBigDecimal(1).toPlainString() + "/" + r.getBigDecimal(2).toPlainString());
                }
            }
            out("binary_numeric", got);
        }
        // TLS with the server's self-signed certificate (sslmode=require).
        String tls = System.getenv("DATABASE_URL_TLS");
        java.net.URI t = new java.net.URI(tls);
        String tlsUrl = "jdbc:postgresql://" + t.getHost() + ":" + t.getPort() + t.getPath() + "?sslmode=require&sslfactory=org.postgresql.ssl.NonValidatingFactory";
        try (Connection tc = DriverManager.getConnection(tlsUrl, user, password); Statement s = tc.createStatement(); ResultSet r = s.executeQuery("SELECT 40 + 2")) {
            r.next();
            out("tls", r.getInt(1));
        }
    }
}
