// Skips the last number.
import java.util.Scanner;

public class WrongSum {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        long s = 0;
        for (int i = 0; i < n - 1; i++)
            s += in.nextLong();
        System.out.println(s);
    }
}
