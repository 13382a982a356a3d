// Reads the bytes as text and writes UTF-8: every byte above 127 becomes two.
import java.nio.charset.StandardCharsets;

public class Latin1 {
    public static void main(String[] args) throws Exception {
        String s = new String(System.in.readAllBytes(), StandardCharsets.ISO_8859_1);
        String r = new StringBuilder(s).reverse().toString();
        System.out.write(r.getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
