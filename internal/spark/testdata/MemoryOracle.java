// MemoryOracle parses sizes with Spark's own JavaUtils.byteStringAsMb, the parser behind spark.driver.memory,
// spark.executor.memory and their memoryOverhead (ConfigBuilder.bytesConf(ByteUnit.MiB)):
//
//	java -cp 'SPARK_JARS/*' MemoryOracle.java INPUT
//
// INPUT holds one size per line, hex-encoded UTF-8 (so any string fits on a line). For each it prints
// "ok <MiB>" or "error <exception class>". TestParseMiBAgainstSpark runs it.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.apache.spark.network.util.JavaUtils;

public class MemoryOracle {
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Paths.get(args[0]), StandardCharsets.US_ASCII)) {
            byte[] raw = new byte[line.length() / 2];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) Integer.parseInt(line.substring(2 * i, 2 * i + 2), 16);
            }
            String size = new String(raw, StandardCharsets.UTF_8);
            try {
                long mib = JavaUtils.byteStringAsMb(size);
                out.append("ok ").append(mib).append('\n');
            } catch (RuntimeException e) {
                out.append("error ").append(e.getClass().getName()).append('\n');
            }
        }
        System.out.print(out);
        System.out.flush();
    }
}
