// EXPECT: MLE
// ARGS: --memory-limit 131072 --time-limit 5
// Java's heap is sized from the memory limit, so the JVM is stopped by the limit rather than by itself;
// either way a heap that cannot grow further is a memory verdict, never a runtime error.
import java.util.ArrayList;
public class Main {
	public static void main(String[] args) {
		ArrayList<byte[]> keep = new ArrayList<>();
		for (;;) {
			byte[] b = new byte[1 << 20];
			for (int i = 0; i < b.length; i += 4096) b[i] = 1;
			keep.add(b);
		}
	}
}
