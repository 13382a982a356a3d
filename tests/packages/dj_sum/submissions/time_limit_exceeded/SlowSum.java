// Sums correctly, but only after a loop that never ends.
import java.util.Scanner;

public class SlowSum {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        long s = 0, spin = 1;
        for (int i = 0; i < n; i++)
            s += in.nextLong();
        while (spin != 0)
            spin = (spin * 6364136223846793005L + 1442695040888963407L) | 1;
        System.out.println(s);
    }
}
