// PropertiesOracle loads properties files with java.util.Properties, the way Spark reads spark.properties
// (Utils.getPropertiesFromFile: a UTF-8 InputStreamReader), and prints what it decoded, one line per file:
//
//	java PropertiesOracle.java DIR N
//
// reads DIR/0.properties .. DIR/(N-1).properties and prints, for each, "ok " and a JSON object of the
// entries in key order, every character outside printable ASCII written as a \\uXXXX escape (UTF-16 units),
// or "error " and the exception when loading fails. TestPropertiesAgainstJava runs it.
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

public class PropertiesOracle {
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        int n = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(System.out, false, "US-ASCII");
        for (int i = 0; i < n; i++) {
            Properties p = new Properties();
            try (Reader r = new InputStreamReader(Files.newInputStream(dir.resolve(i + ".properties")), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (Exception e) {
                out.println("error " + quote(e.toString()));
                continue;
            }
            TreeMap<String, String> sorted = new TreeMap<>();
            for (String k : p.stringPropertyNames()) {
                sorted.put(k, p.getProperty(k));
            }
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append(quote(e.getKey())).append(':').append(quote(e.getValue()));
            }
            out.println("ok " + b.append('}'));
        }
        out.flush();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
